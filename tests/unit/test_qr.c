/*
 * Unit tests of the poster QR images: every level and a short, a long and
 * a percent-encoded Chinese URL are rendered as PNG and as SVG (through
 * rsvg-convert) and read back with zbarimg; then the PNG header, the quiet
 * zone, the scaling, the SVG's shape, the limits and thread safety.
 */
#include "testutil.h"

#include <pthread.h>

#include <png.h>
#include <qrencode.h>
#include <zlib.h>

#include "bot/qr.h"

#define OUT_MAX		(4u << 20)	/* cap of the output buffers */
#define DECODE_MAX	8192		/* bytes of zbarimg output */

static const enum qr_level levels[] = {
	QR_LEVEL_L, QR_LEVEL_M, QR_LEVEL_Q, QR_LEVEL_H
};
static const char *const level_names[] = { "L", "M", "Q", "H" };

/* The URLs under test; texts[1] is built by setup() (~300 bytes). */
static char long_url[512];
static const char *texts[] = {
	"http://127.0.0.1:8080/l/AbC123xYz9",
	long_url,
	"https://fangfei.example.cn/l/Qz7Kp2mW4d?t=%E8%87%B4%E5%B1%85%E6%B0%91"
	    "%E7%9A%84%E4%B8%80%E5%B0%81%E4%BF%A1&area=%E6%B7%84%E5%8D%9A",
	"https://例子.中国/l/致居民的一封信",	/* raw UTF-8, 8-bit mode */
};

/* Fails, naming the Debian package, when tool is not on the PATH. */
static void
need_tool(const char *tool, const char *package)
{
	char	 cmd[256];

	(void)snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0)
		fail_msg("%s not found: install the Debian package %s "
		    "(apt-get install -y %s; make test does)", tool, package,
		    package);
}

/* Builds the long URL and checks the decoding tools; state is a tmpdir. */
static int
setup(void **state)
{
	size_t	 n;

	n = (size_t)snprintf(long_url, sizeof long_url,
	    "http://127.0.0.1:8080/l/Lg0ngC0de1?utm_source=poster&ref=");
	while (n < 300) {
		long_url[n] = "abcdefghijklmnopqrstuvwxyz0123456789-_"[n % 38];
		n++;
	}
	long_url[n] = '\0';
	*state = testutil_tmpdir();
	return 0;
}

/* Removes the temporary directory. */
static int
teardown(void **state)
{
	testutil_rmdir(*state);
	return 0;
}

/* Writes len bytes of data to path. */
static void
write_file(const char *path, const void *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL)
		fail_msg("cannot create %s", path);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Runs zbarimg on path; returns its output less the final newline. */
static char *
zbar(const char *path)
{
	char	 cmd[1200], *out = calloc(1, DECODE_MAX + 1);
	FILE	*p;
	size_t	 n;

	assert_non_null(out);
	(void)snprintf(cmd, sizeof cmd, "zbarimg --nodbus --raw -q '%s'", path);
	if ((p = popen(cmd, "r")) == NULL)
		fail_msg("cannot run %s", cmd);
	n = fread(out, 1, DECODE_MAX, p);
	if (pclose(p) != 0)
		fail_msg("zbarimg found no code in %s", path);
	if (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	return out;
}

/* Asserts that zbarimg reads exactly text from the image at path. */
static void
assert_decodes(const char *path, const char *text, const char *what)
{
	char	*got = zbar(path);

	if (strcmp(got, text) != 0)
		fail_msg("%s: decoded \"%s\", want \"%s\"", what, got, text);
	free(got);
}

/* Reads a big-endian 32-bit number. */
static uint32_t
be32(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* Returns the module count of text's SVG viewBox (quiet zone included). */
static int
modules(const char *text, enum qr_level level)
{
	struct buf	 b;
	const char	*p;
	int		 n;

	buf_init(&b, OUT_MAX);
	assert_int_equal(qr_svg(text, level, &b), 0);
	assert_non_null(p = strstr(b.data, "viewBox=\"0 0 "));
	n = (int)strtol(p + strlen("viewBox=\"0 0 "), NULL, 10);
	buf_free(&b);
	assert_true(n >= 21 + 8 && n <= 177 + 8);
	return n;
}

/* Decodes a PNG into 8-bit gray pixels; the caller frees them. */
static unsigned char *
png_pixels(const struct buf *b, uint32_t *w, uint32_t *h)
{
	png_image	 img;
	unsigned char	*px;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	assert_int_not_equal(png_image_begin_read_from_memory(&img, b->data,
	    b->len), 0);
	img.format = PNG_FORMAT_GRAY;
	assert_non_null(px = malloc(PNG_IMAGE_SIZE(img)));
	assert_int_not_equal(png_image_finish_read(&img, NULL, px, 0, NULL), 0);
	*w = img.width;
	*h = img.height;
	png_image_free(&img);
	return px;
}

/* Level names: one letter, either case, nothing else. */
static void
test_level_parse(void **state)
{
	enum qr_level	 l = QR_LEVEL_Q;

	(void)state;
	assert_int_equal(qr_level_parse("L", &l), 0);
	assert_int_equal(l, QR_LEVEL_L);
	assert_int_equal(qr_level_parse("m", &l), 0);
	assert_int_equal(l, QR_LEVEL_M);
	assert_int_equal(qr_level_parse("q", &l), 0);
	assert_int_equal(l, QR_LEVEL_Q);
	assert_int_equal(qr_level_parse("H", &l), 0);
	assert_int_equal(l, QR_LEVEL_H);
	assert_int_equal(qr_level_parse("h", &l), 0);
	assert_int_equal(l, QR_LEVEL_H);
	assert_int_equal(qr_level_parse("", &l), -1);
	assert_int_equal(qr_level_parse("X", &l), -1);
	assert_int_equal(qr_level_parse("LL", &l), -1);
	assert_int_equal(qr_level_parse("M ", &l), -1);
	assert_int_equal(qr_level_parse(NULL, &l), -1);
	assert_int_equal(l, QR_LEVEL_H);	/* untouched on -1 */
}

/* Every level and URL as a PNG reads back exactly with zbarimg. */
static void
test_png_decodes(void **state)
{
	char		 path[1100], what[64], max[QR_TEXT_MAX + 1];
	struct buf	 b;
	size_t		 t, l;

	need_tool("zbarimg", "zbar-tools");
	(void)snprintf(path, sizeof path, "%s/code.png", (char *)*state);
	buf_init(&b, OUT_MAX);
	for (t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		for (l = 0; l < sizeof levels / sizeof levels[0]; l++) {
			buf_reset(&b);
			assert_int_equal(qr_png(texts[t], levels[l], 600, &b),
			    0);
			write_file(path, b.data, b.len);
			(void)snprintf(what, sizeof what, "PNG text %zu level %s",
			    t, level_names[l]);
			assert_decodes(path, texts[t], what);
		}
	}

	/* The longest text allowed, at the strongest level, at 2048 px. */
	buf_reset(&b);
	assert_int_equal(buf_adds(&b, long_url), 0);
	while (b.len < QR_TEXT_MAX)
		assert_int_equal(buf_adds(&b, "&x=%E4%B8%AD"), 0);
	(void)snprintf(max, sizeof max, "%.*s", QR_TEXT_MAX, b.data);
	buf_reset(&b);
	assert_int_equal(qr_png(max, QR_LEVEL_H, 2048, &b), 0);
	write_file(path, b.data, b.len);
	assert_decodes(path, max, "PNG 1024 bytes level H");
	buf_free(&b);
}

/* Every level and URL as an SVG, rasterised at 400 px, reads back. */
static void
test_svg_decodes(void **state)
{
	char		 svg[1100], png[1100], cmd[2400], what[64];
	struct buf	 b;
	size_t		 t, l;

	need_tool("zbarimg", "zbar-tools");
	need_tool("rsvg-convert", "librsvg2-bin");
	(void)snprintf(svg, sizeof svg, "%s/code.svg", (char *)*state);
	(void)snprintf(png, sizeof png, "%s/svg.png", (char *)*state);
	(void)snprintf(cmd, sizeof cmd, "rsvg-convert -w 400 '%s' -o '%s'",
	    svg, png);
	buf_init(&b, OUT_MAX);
	for (t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		for (l = 0; l < sizeof levels / sizeof levels[0]; l++) {
			buf_reset(&b);
			assert_int_equal(qr_svg(texts[t], levels[l], &b), 0);
			write_file(svg, b.data, b.len);
			if (system(cmd) != 0)
				fail_msg("failed: %s", cmd);
			(void)snprintf(what, sizeof what, "SVG text %zu level %s",
			    t, level_names[l]);
			assert_decodes(png, texts[t], what);
		}
	}
	buf_free(&b);
}

/* The signature, a square IHDR, 1-bit gray, and a white quiet zone. */
static void
test_png_header_quiet_zone(void **state)
{
	struct buf	 b;
	unsigned char	*px;
	uint32_t	 w, h, x, y, scale, qz;
	int		 n;

	(void)state;
	buf_init(&b, OUT_MAX);
	assert_int_equal(qr_png(texts[0], QR_LEVEL_M, 600, &b), 0);
	assert_true(b.len > 8 + 25);
	assert_memory_equal(b.data, "\x89PNG\r\n\x1a\n", 8);
	assert_int_equal(be32(b.data + 8), 13);
	assert_memory_equal(b.data + 12, "IHDR", 4);
	w = be32(b.data + 16);
	h = be32(b.data + 20);
	assert_int_equal(w, h);
	assert_int_equal(b.data[24], 1);	/* bit depth */
	assert_int_equal(b.data[25], 0);	/* grayscale, no alpha */

	/* Whole pixels per module, the largest scale within 600 px. */
	n = modules(texts[0], QR_LEVEL_M);
	assert_int_equal(w % (uint32_t)n, 0);
	scale = w / (uint32_t)n;
	assert_true(w <= 600 && w + (uint32_t)n > 600);

	px = png_pixels(&b, &x, &y);
	assert_int_equal(x, w);
	assert_int_equal(y, h);
	assert_int_equal(px[0], 255);
	assert_int_equal(px[w - 1], 255);
	assert_int_equal(px[(size_t)(h - 1) * w], 255);
	assert_int_equal(px[(size_t)(h - 1) * w + w - 1], 255);
	/* All of the 4-module border is white; the finder's corner is black. */
	qz = QR_QUIET_ZONE * scale;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if (x < qz || y < qz || x >= w - qz || y >= h - qz)
				assert_int_equal(px[(size_t)y * w + x], 255);
	assert_int_equal(px[(size_t)qz * w + qz], 0);
	assert_int_equal(px[(size_t)(h - qz - 1) * w + qz], 0);
	assert_int_equal(px[(size_t)qz * w + w - qz - 1], 0);
	free(px);
	buf_free(&b);
}

/* size_px is clamped to 64..2048; at least one pixel per module. */
static void
test_png_sizes(void **state)
{
	static const int	 asked[] = { -5, 10, 64, 333, 2048, 100000 };
	struct buf		 b;
	size_t			 i;
	int			 n, s, scale;

	(void)state;
	buf_init(&b, OUT_MAX);
	n = modules(texts[1], QR_LEVEL_H);
	for (i = 0; i < sizeof asked / sizeof asked[0]; i++) {
		s = asked[i] < QR_SIZE_MIN ? QR_SIZE_MIN :
		    asked[i] > QR_SIZE_MAX ? QR_SIZE_MAX : asked[i];
		scale = s / n > 0 ? s / n : 1;
		buf_reset(&b);
		assert_int_equal(qr_png(texts[1], QR_LEVEL_H, asked[i], &b), 0);
		assert_int_equal(be32(b.data + 16), (uint32_t)(n * scale));
		assert_int_equal(be32(b.data + 20), (uint32_t)(n * scale));
	}
	buf_free(&b);
}

/*
 * Every pixel is its module's colour, at every scale from 1 to 24 pixels a
 * module (whole bytes, runs that start and end inside a byte, runs within
 * one byte), against libqrencode's own matrix for the same text.
 */
static void
test_png_pixels(void **state)
{
	struct buf	 b;
	QRcode		*qr;
	unsigned char	*px;
	uint32_t	 w, h, x, y, total, mx, my;
	int		 scale, dark, bad;

	(void)state;
	buf_init(&b, OUT_MAX);
	qr = QRcode_encodeString(texts[0], 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
	assert_non_null(qr);
	total = (uint32_t)qr->width + 2 * QR_QUIET_ZONE;
	for (scale = 1; scale <= 24; scale++) {
		buf_reset(&b);
		/* The smallest size is clamped: start where it is not. */
		if ((int)total * scale < QR_SIZE_MIN)
			continue;
		assert_int_equal(qr_png(texts[0], QR_LEVEL_Q,
		    (int)total * scale, &b), 0);
		px = png_pixels(&b, &w, &h);
		assert_int_equal(w, total * (uint32_t)scale);
		assert_int_equal(h, w);
		bad = 0;
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				mx = x / (uint32_t)scale;
				my = y / (uint32_t)scale;
				dark = mx >= QR_QUIET_ZONE &&
				    my >= QR_QUIET_ZONE &&
				    mx < total - QR_QUIET_ZONE &&
				    my < total - QR_QUIET_ZONE &&
				    (qr->data[(my - QR_QUIET_ZONE) *
				    (uint32_t)qr->width + mx -
				    QR_QUIET_ZONE] & 1);
				bad += px[(size_t)y * w + x] != (dark ? 0 : 255);
			}
		if (bad != 0)
			fail_msg("scale %d: %d pixels differ from the matrix",
			    scale, bad);
		free(px);
	}
	QRcode_free(qr);
	buf_free(&b);
}

/*
 * The IDAT is one zlib stream that zlib itself inflates with its header
 * and Adler-32 checked (libpng may take a bad checksum after the last row
 * as a benign error), to exactly the filtered lines of the image: at one
 * pixel a module (no repeated lines), a few, and a poster's 16.
 */
static void
test_png_zlib_stream(void **state)
{
	static const int	 scales[] = { 1, 2, 7, 16 };
	struct buf		 b;
	unsigned char		*raw;
	uLongf			 rawlen;
	uint32_t		 w, len, rowbytes;
	size_t			 i;
	int			 n, line;

	(void)state;
	buf_init(&b, OUT_MAX);
	n = modules(texts[0], QR_LEVEL_M);
	for (i = 0; i < sizeof scales / sizeof scales[0]; i++) {
		buf_reset(&b);
		assert_int_equal(qr_png(texts[0], QR_LEVEL_M,
		    n * scales[i] < QR_SIZE_MIN ? QR_SIZE_MIN : n * scales[i],
		    &b), 0);
		w = be32(b.data + 16);
		rowbytes = (w + 7) / 8;
		/* Signature, IHDR (8 + 13 + 4), then the one IDAT. */
		len = be32(b.data + 33);
		assert_memory_equal(b.data + 37, "IDAT", 4);
		assert_true(41 + len + 4 <= b.len);
		assert_int_equal(((unsigned char)b.data[41] << 8 |
		    (unsigned char)b.data[42]) % 31, 0);
		rawlen = (uLongf)(rowbytes + 1) * w + 1;
		assert_non_null(raw = malloc(rawlen));
		assert_int_equal(uncompress(raw, &rawlen,
		    (const Bytef *)b.data + 41, len), Z_OK);
		assert_int_equal(rawlen, (uLongf)(rowbytes + 1) * w);
		/* A filter byte of 0 or 2 starts every line. */
		for (line = 0; line < (int)w; line++)
			assert_true(raw[(size_t)line * (rowbytes + 1)] == 0 ||
			    raw[(size_t)line * (rowbytes + 1)] == 2);
		free(raw);
	}
	buf_free(&b);
}

/* The SVG: a viewBox, a white background rect, one crisp path. */
static void
test_svg_shape(void **state)
{
	struct buf	 b;
	char		 rect[128];
	const char	*p;
	int		 n;

	(void)state;
	n = modules(texts[0], QR_LEVEL_Q);
	buf_init(&b, OUT_MAX);
	assert_int_equal(qr_svg(texts[0], QR_LEVEL_Q, &b), 0);
	(void)snprintf(rect, sizeof rect,
	    "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>",
	    n, n);
	assert_non_null(strstr(b.data, rect));
	assert_non_null(p = strstr(b.data, "<path "));
	assert_null(strstr(p + 1, "<path"));
	assert_non_null(strstr(p, "shape-rendering=\"crispEdges\""));
	assert_non_null(strstr(p, "fill=\"#000\""));
	/* The top-left finder's first row is one run of 7 modules. */
	assert_non_null(strstr(p, "d=\"M4 4h7v1h-7z"));
	assert_null(strstr(b.data, "href"));
	assert_null(strstr(b.data, "url("));
	assert_non_null(strstr(b.data, "</svg>\n"));
	assert_int_equal(strlen(b.data), b.len);
	buf_free(&b);
}

/* Over 1024 bytes, empty or NULL: -1, and the buffer is left as it was. */
static void
test_limits(void **state)
{
	char		 text[QR_TEXT_MAX + 2];
	struct buf	 b;

	(void)state;
	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';		/* 1025 bytes */
	buf_init(&b, OUT_MAX);
	assert_int_equal(buf_adds(&b, "keep"), 0);
	assert_int_equal(qr_png(text, QR_LEVEL_L, 600, &b), -1);
	assert_int_equal(qr_svg(text, QR_LEVEL_L, &b), -1);
	assert_int_equal(qr_png("", QR_LEVEL_L, 600, &b), -1);
	assert_int_equal(qr_svg("", QR_LEVEL_L, &b), -1);
	assert_int_equal(qr_png(NULL, QR_LEVEL_L, 600, &b), -1);
	assert_int_equal(qr_png(texts[0], (enum qr_level)7, 600, &b), -1);
	assert_string_equal(b.data, "keep");
	assert_int_equal(b.len, 4);

	/* Exactly 1024 bytes fits even at level H: version 36 (161 + 8). */
	text[QR_TEXT_MAX] = '\0';
	assert_int_equal(modules(text, QR_LEVEL_H), 169);
	buf_reset(&b);
	assert_int_equal(qr_png(text, QR_LEVEL_H, 2048, &b), 0);
	assert_int_equal(be32(b.data + 16), 169 * (2048 / 169));
	buf_free(&b);
}

/* Past the buffer's cap: -1 and the earlier contents kept. */
static void
test_cap(void **state)
{
	struct buf	 b;
	size_t		 need, svg_need;

	(void)state;
	buf_init(&b, OUT_MAX);
	assert_int_equal(qr_png(texts[1], QR_LEVEL_H, 2048, &b), 0);
	need = b.len;
	buf_reset(&b);
	assert_int_equal(qr_svg(texts[1], QR_LEVEL_H, &b), 0);
	svg_need = b.len;
	buf_free(&b);

	/* One byte short: the PNG fails in its last chunk, the SVG at </svg>. */
	buf_init(&b, need + 3 - 1);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(qr_png(texts[1], QR_LEVEL_H, 2048, &b), -1);
	assert_string_equal(b.data, "abc");
	buf_free(&b);
	buf_init(&b, svg_need + 3 - 1);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(qr_svg(texts[1], QR_LEVEL_H, &b), -1);
	assert_string_equal(b.data, "abc");
	assert_int_equal(b.len, 3);
	buf_free(&b);

	buf_init(&b, need + 3);			/* exactly enough */
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(qr_png(texts[1], QR_LEVEL_H, 2048, &b), 0);
	assert_int_equal(b.len, need + 3);
	buf_free(&b);

	buf_init(&b, 8);			/* not even the signature */
	assert_int_equal(qr_png(texts[0], QR_LEVEL_L, 64, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* One thread's share of test_threads(): renders and compares 50 codes. */
struct job {
	const struct buf	*want;	/* the single-threaded PNGs */
	int			 first;
	int			 bad;
};

/* Thread body: renders every fourth code and counts mismatches. */
static void *
job_run(void *arg)
{
	struct job	*j = arg;
	struct buf	 b;
	char		 url[64];
	int		 i;

	buf_init(&b, OUT_MAX);
	for (i = j->first; i < 200; i += 4) {
		(void)snprintf(url, sizeof url, "http://127.0.0.1:8080/l/T%09d",
		    i * 7919);
		buf_reset(&b);
		if (qr_png(url, levels[i % 4], 300 + i, &b) != 0 ||
		    b.len != j->want[i].len ||
		    memcmp(b.data, j->want[i].data, b.len) != 0)
			j->bad++;
	}
	buf_free(&b);
	return NULL;
}

/* Four threads at once render the same bytes as one thread alone. */
static void
test_threads(void **state)
{
	struct buf	 want[200];
	struct job	 jobs[4];
	pthread_t	 th[4];
	char		 url[64];
	int		 i;

	(void)state;
	for (i = 0; i < 200; i++) {
		(void)snprintf(url, sizeof url, "http://127.0.0.1:8080/l/T%09d",
		    i * 7919);
		buf_init(&want[i], OUT_MAX);
		assert_int_equal(qr_png(url, levels[i % 4], 300 + i, &want[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		jobs[i].want = want;
		jobs[i].first = i;
		jobs[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, job_run, &jobs[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].bad, 0);
	}
	for (i = 0; i < 200; i++)
		buf_free(&want[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_png_decodes),
		cmocka_unit_test(test_svg_decodes),
		cmocka_unit_test(test_png_header_quiet_zone),
		cmocka_unit_test(test_png_sizes),
		cmocka_unit_test(test_png_pixels),
		cmocka_unit_test(test_png_zlib_stream),
		cmocka_unit_test(test_svg_shape),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("qr", tests, setup, teardown);
}
