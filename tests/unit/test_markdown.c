/*
 * Unit tests of a letter's Markdown: bold, a numbered list, a link and
 * headings come out as HTML (headings one level below the page's title);
 * raw HTML, a <script> among them, and javascript: links do not pass; the
 * poster's excerpt is the text alone, without the title's heading, cut on
 * a character; bytes that are not UTF-8 come out as U+FFFD.
 */
#include "testutil.h"

#include "bot/markdown.h"
#include "messages/buf.h"
#include "messages/text.h"

/* The HTML of body; the caller frees it. */
static char *
html(const char *body)
{
	struct buf	 b;

	buf_init(&b, 64 * 1024);
	assert_int_equal(markdown_html(&b, body), 0);
	return buf_steal(&b);
}

/* What a letter may use renders as HTML. */
static void
test_markup(void **state)
{
	char	*h;

	(void)state;
	h = html("# 致居民\n\n请**牢记**：\n\n1. 不信高息\n2. 不拉人头\n\n"
	    "详见[处非办](https://example.cn/a?b=1&c=2)。\n第二行\n");
	assert_non_null(strstr(h, "<h2>致居民</h2>"));
	assert_non_null(strstr(h, "<strong>牢记</strong>"));
	assert_non_null(strstr(h, "<ol>\n<li>不信高息</li>\n<li>不拉人头</li>\n"
	    "</ol>"));
	assert_non_null(strstr(h, "<a href=\"https://example.cn/a?b=1&amp;c=2\">"
	    "处非办</a>"));
	/* A line break within a paragraph stays one. */
	assert_non_null(strstr(h, "。<br />\n第二行"));
	assert_null(strstr(h, "<h1>"));
	free(h);
}

/* Raw HTML and script links never reach the page. */
static void
test_unsafe(void **state)
{
	char	*h;

	(void)state;
	h = html("<script>alert(1)</script>\n\n正文<img src=x onerror=alert(2)>"
	    "\n\n[x](javascript:alert(3)) [y](JAVASCRIPT:alert(4)) "
	    "[z](vbscript:msgbox) [w](data:text/html,<b>)\n\n"
	    "<a href=\"javascript:alert(5)\">a</a>\n");
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "onerror"));
	assert_null(strstr(h, "javascript:"));
	assert_null(strstr(h, "JAVASCRIPT:"));
	assert_null(strstr(h, "vbscript:"));
	assert_null(strstr(h, "data:"));
	assert_null(strstr(h, "<a href=\"javascript"));
	/* The links' texts stay, without a target. */
	assert_non_null(strstr(h, "<a href=\"\">x</a>"));
	assert_non_null(strstr(h, "正文"));
	free(h);
}

/* The excerpt: text only, the title's heading left out, blocks joined. */
static void
test_excerpt(void **state)
{
	char	 out[512];

	(void)state;
	markdown_excerpt("# 一封信\n\n亲爱的**居民**：\n\n- 不信[高息](https://x.cn)"
	    "\n- 不拉`人头`\n\n<script>x</script>\n", "一封信", 150, out,
	    sizeof out);
	assert_string_equal(out, "亲爱的居民：不信高息不拉人头");
	/* Another heading stays; the cut is on a character. */
	markdown_excerpt("## 提示\n\n一二三四五六", "一封信", 4, out, sizeof out);
	assert_string_equal(out, "提示一二");
	/* A small buffer holds whole characters only. */
	markdown_excerpt("一二三四五六", "", 150, out, 8);
	assert_string_equal(out, "一二");
	markdown_excerpt("", "t", 150, out, sizeof out);
	assert_string_equal(out, "");
}

/* Bytes that are not UTF-8 (a letter file in GBK) become U+FFFD, on the
 * page and in the excerpt. */
static void
test_not_utf8(void **state)
{
	char	*h, out[64];

	(void)state;
	h = html("\xd6\xc2\xbe\xd3\xc3\xf1\n\n`\xff`\n");
	assert_true(utf8_valid(h, strlen(h)));
	assert_non_null(strstr(h, "<p>\xef\xbf\xbd"));
	assert_non_null(strstr(h, "<code>\xef\xbf\xbd</code>"));
	free(h);
	markdown_excerpt("# \xff\n\n\xe4\xb8\x80\xe4\xb8", "", 150, out,
	    sizeof out);
	assert_string_equal(out, "\xef\xbf\xbd\xe4\xb8\x80\xef\xbf\xbd");
}

/* Past the buffer's maximum: -1, never more than the maximum. */
static void
test_cap(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 16);
	assert_int_equal(markdown_html(&b, "一段很长很长很长很长的正文"), -1);
	assert_true(b.len <= 16);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_unsafe),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
