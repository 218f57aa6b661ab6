/*
 * QR images for posters: libqrencode does the encoding, this file draws
 * the module matrix as a 1-bit PNG (zlib compresses the image in one call,
 * libpng frames it into a capped buffer) or as an SVG path of merged
 * horizontal runs.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <zlib.h>

#include "qr.h"

/*
 * Bytes of the widest PNG row: QR_SIZE_MAX pixels, or a version 40 code
 * (177 modules and the quiet zone) at one pixel per module if that were
 * wider, 8 pixels a byte.
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

/* Clears pixels [a, b) of a packed 1-bit row to black (0). */
static void
qr_png_black(unsigned char *row, size_t a, size_t b)
{
	size_t	 first = a >> 3, last = b >> 3;

	if (first == last) {
		row[first] &= (unsigned char)~((0xffu >> (a & 7)) &
		    ~(0xffu >> (b & 7)));
		return;
	}
	row[first] &= (unsigned char)~(0xffu >> (a & 7));
	memset(row + first + 1, 0, last - first - 1);
	if (b & 7)
		row[last] &= (unsigned char)(0xffu >> (b & 7));
}

/* Fills a packed 1-bit row for module row y (-1: a quiet-zone row),
 * a run of dark modules at a time. */
static void
qr_png_row(const QRcode *qr, int y, int scale, unsigned char *row,
    size_t rowbytes)
{
	const unsigned char	*m;
	int			 x, n;

	memset(row, 0xff, rowbytes);	/* 1 is white */
	if (y < 0)
		return;
	m = qr->data + (size_t)y * (size_t)qr->width;
	for (x = 0; x < qr->width; x += n) {
		if ((m[x] & 1) == 0) {
			n = 1;
			continue;
		}
		for (n = 1; x + n < qr->width && (m[x + n] & 1); n++)
			;
		qr_png_black(row, (size_t)(QR_QUIET_ZONE + x) * (size_t)scale,
		    (size_t)(QR_QUIET_ZONE + x + n) * (size_t)scale);
	}
}

/*
 * Fills raw with the image's filtered scanlines, as the IDAT stream
 * holds them before compression: each line is a filter byte and rowbytes
 * of pixels. The first line of each module row is unfiltered (0); its
 * scale - 1 repeats use the Up filter (2), which makes them zeros.
 * Returns the Adler-32 of the lines, the zlib stream's checksum: zlib
 * sums the first line of each module row, and its repeats, the same
 * bytes every time, are added with adler32_combine() (adler32() over
 * every byte was a ninth of a 600 px PNG's time).
 */
static uLong
qr_png_raw(const QRcode *qr, int scale, size_t rowbytes, unsigned char *raw)
{
	unsigned char	*line = raw;
	uLong		 sum = adler32(0L, Z_NULL, 0), reps = 0;
	z_off_t		 repslen = (z_off_t)(rowbytes + 1) * (scale - 1);
	int		 y, i;

	for (y = -QR_QUIET_ZONE; y < qr->width + QR_QUIET_ZONE; y++) {
		line[0] = 0;
		qr_png_row(qr, y >= 0 && y < qr->width ? y : -1, scale,
		    line + 1, rowbytes);
		sum = adler32(sum, line, (uInt)(rowbytes + 1));
		line += rowbytes + 1;
		for (i = 1; i < scale; i++, line += rowbytes + 1) {
			line[0] = 2;
			memset(line + 1, 0, rowbytes);
		}
		if (scale > 1) {
			if (y == -QR_QUIET_ZONE)
				reps = adler32(adler32(0L, Z_NULL, 0),
				    line - repslen, (uInt)repslen);
			sum = adler32_combine(sum, reps, repslen);
		}
	}
	return sum;
}

/*
 * What a thread keeps between PNGs: its deflate state (reset, not made
 * again) and its scanline buffer. Made at a thread's first PNG and freed
 * when the thread ends. Without it every PNG allocated ~300 KB, above
 * glibc's mmap threshold, and page faults were 16% of a PNG's time.
 */
struct qr_deflater {
	z_stream	 zs;
	unsigned char	*raw;
	size_t		 rawcap;
};

static pthread_key_t	qr_key;
static pthread_once_t	qr_key_once = PTHREAD_ONCE_INIT;
static int		qr_key_ok;

/* Frees a thread's deflater when the thread ends. */
static void
qr_deflater_free(void *arg)
{
	struct qr_deflater	*d = arg;

	deflateEnd(&d->zs);
	free(d->raw);
	free(d);
}

static void
qr_key_make(void)
{
	qr_key_ok = pthread_key_create(&qr_key, qr_deflater_free) == 0;
}

/*
 * Returns this thread's deflater with a scanline buffer of at least len
 * bytes, or NULL when out of memory.
 *
 * Level 2 finds the zero lines' long matches in fewer instructions than
 * level 1 (962k against 979k a 600 px PNG, callgrind) and a smaller PNG
 * (1022 bytes against 1189); a small hash (memory level 4) costs less to
 * reset. The stream is raw deflate: qr_png_deflate() frames it as zlib
 * with the checksum qr_png_raw() summed.
 */
static struct qr_deflater *
qr_deflater(size_t len)
{
	struct qr_deflater	*d;
	unsigned char		*raw;

	if (pthread_once(&qr_key_once, qr_key_make) != 0 || !qr_key_ok)
		return NULL;
	if ((d = pthread_getspecific(qr_key)) == NULL) {
		if ((d = calloc(1, sizeof *d)) == NULL)
			return NULL;
		if (deflateInit2(&d->zs, 2, Z_DEFLATED, -15, 4,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			free(d);
			return NULL;
		}
		if (pthread_setspecific(qr_key, d) != 0) {
			qr_deflater_free(d);
			return NULL;
		}
	}
	if (d->rawcap < len) {
		if ((raw = realloc(d->raw, len)) == NULL)
			return NULL;
		d->raw = raw;
		d->rawcap = len;
	}
	return d;
}

/*
 * Compresses d's first len scanline bytes as one zlib stream into *z
 * (malloc'd) and sets *zlen; returns 0, or -1 when zlib fails or out of
 * memory. sum is the lines' Adler-32.
 *
 * One deflate() call over the whole image: libpng hands zlib one line at
 * a time, and for a 600 px code those 592 calls cost more than encoding
 * the code (perf: libpng and zlib 143 of a PNG's 221 us). The zlib frame
 * (RFC 1950) around the raw stream: the header zlib writes for a 32 KB
 * window at level 2 (0x78 0x5e, a multiple of 31), the checksum after it.
 */
static int
qr_png_deflate(struct qr_deflater *d, size_t len, uLong sum,
    unsigned char **z, size_t *zlen)
{
	uLong	 bound;
	size_t	 n;
	int	 rc;

	if (len > UINT_MAX || deflateReset(&d->zs) != Z_OK)
		return -1;
	bound = deflateBound(&d->zs, (uLong)len);
	if ((*z = malloc(2 + bound + 4)) == NULL)
		return -1;
	(*z)[0] = 0x78;
	(*z)[1] = 0x5e;
	d->zs.next_in = d->raw;
	d->zs.avail_in = (uInt)len;
	d->zs.next_out = *z + 2;
	d->zs.avail_out = (uInt)bound;
	rc = deflate(&d->zs, Z_FINISH);
	if (rc != Z_STREAM_END) {
		free(*z);
		*z = NULL;
		return -1;
	}
	n = 2 + d->zs.total_out;
	(*z)[n++] = (unsigned char)(sum >> 24);
	(*z)[n++] = (unsigned char)(sum >> 16);
	(*z)[n++] = (unsigned char)(sum >> 8);
	(*z)[n++] = (unsigned char)sum;
	*zlen = n;
	return 0;
}

/*
 * Writes the PNG through png: the signature and IHDR by libpng, then the
 * zlib stream z as one IDAT chunk and the IEND chunk, each framed and
 * checksummed by libpng's png_write_chunk(). Every libpng failure, the
 * cap included, lands on the setjmp() here. Only parameters are live
 * across it, so nothing needs to be volatile.
 */
static int
qr_png_write(png_structp png, png_infop info, png_uint_32 px,
    const unsigned char *z, size_t zlen)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_IHDR(png, info, px, px, 1, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_write_chunk(png, (png_const_bytep)"IDAT", z, zlen);
	png_write_chunk(png, (png_const_bytep)"IEND", NULL, 0);
	return 0;
}

/* Appends a PNG of text to out; see qr.h for the contract. */
int
qr_png(const char *text, enum qr_level level, int size_px, struct buf *out)
{
	QRcode		*qr = NULL;
	png_structp	 png = NULL;
	png_infop	 info = NULL;
	struct qr_deflater *d;
	unsigned char	*z = NULL;
	struct qr_sink	 sink = { out };
	size_t		 start = out->len, rowbytes, rawlen, zlen;
	uLong		 sum;
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
	if (rowbytes > QR_ROW_MAX)
		goto out;
	rawlen = (rowbytes + 1) * (size_t)total * (size_t)scale;
	if ((d = qr_deflater(rawlen)) == NULL)
		goto out;
	sum = qr_png_raw(qr, scale, rowbytes, d->raw);
	if (qr_png_deflate(d, rawlen, sum, &z, &zlen) == -1)
		goto out;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    qr_png_error, qr_png_warning);
	if (png == NULL)
		goto out;
	if ((info = png_create_info_struct(png)) == NULL)
		goto out;
	png_set_write_fn(png, &sink, qr_png_append, qr_png_flush);
	if (qr_png_write(png, info, (png_uint_32)(total * scale), z,
	    zlen) == -1)
		goto out;
	rc = 0;

out:
	if (png != NULL)
		png_destroy_write_struct(&png, &info);
	if (qr != NULL)
		QRcode_free(qr);
	free(z);
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
