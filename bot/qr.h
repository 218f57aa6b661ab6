/*
 * QR codes for printed posters ("open letters"): each poster carries the
 * URL <public_base_url>/l/<code>. Encoding is libqrencode's (8-bit mode
 * hint, case-sensitive, smallest version that fits); the images are drawn
 * here, as a PNG (libpng, written into a capped buffer) or as an SVG.
 *
 * Every image keeps a quiet zone of QR_QUIET_ZONE modules on all four
 * sides, draws black modules on an opaque white background and has no
 * external references. All functions are thread-safe: they share no
 * state, and Debian's libqrencode is built with pthread (its Reed-Solomon
 * tables are initialised under a mutex).
 */
#ifndef FANGFEI_QR_H
#define FANGFEI_QR_H

#include "messages/buf.h"

#define QR_TEXT_MAX	1024	/* bytes of text; longer is refused */
#define QR_QUIET_ZONE	4	/* modules of white on every side */
#define QR_SIZE_MIN	64	/* qr_png() clamps its size_px to this range */
#define QR_SIZE_MAX	2048

/* Error correction: L ~7%, M ~15%, Q ~25%, H ~30% of codewords. */
enum qr_level {
	QR_LEVEL_L,
	QR_LEVEL_M,
	QR_LEVEL_Q,
	QR_LEVEL_H,
};

/* Parses "L", "M", "Q" or "H" (either case, nothing else) into *level;
 * returns 0, or -1 (level untouched) for anything else, NULL included. */
int	 qr_level_parse(const char *, enum qr_level *level);

/*
 * Appends to out a PNG of text: 1-bit grayscale, no alpha, white
 * background, black modules, a quiet zone of QR_QUIET_ZONE modules on every
 * side. Modules are whole pixels: the scale is the largest integer number
 * of pixels per module whose image is not wider than size_px, and at least
 * 1, so the image is square, at most size_px wide unless the code at one
 * pixel per module is wider. size_px is first clamped to QR_SIZE_MIN ..
 * QR_SIZE_MAX.
 *
 * Returns 0, or -1 when text is empty or longer than QR_TEXT_MAX bytes,
 * when libqrencode cannot encode it, or when the PNG would pass out's cap;
 * on -1, out holds what it held before the call.
 */
int	 qr_png(const char *text, enum qr_level, int size_px, struct buf *out);

/*
 * Appends to out an SVG of text: viewBox "0 0 N N" in module units, quiet
 * zone included, a white <rect> filling it and the dark modules as a single
 * black <path> of merged horizontal runs with shape-rendering="crispEdges".
 * No width or height is set: the SVG takes the size it is placed at.
 *
 * Returns 0, or -1 under the same conditions as qr_png(); on -1, out holds
 * what it held before the call.
 */
int	 qr_svg(const char *text, enum qr_level, struct buf *out);

#endif
