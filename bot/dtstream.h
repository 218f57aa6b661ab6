/*
 * DingTalk Stream mode's frames (bot/stream_dingtalk.c), the pure part:
 * reading a downstream frame and building the ACK.
 */
#ifndef FANGFEI_DTSTREAM_H
#define FANGFEI_DTSTREAM_H

#include <stddef.h>

#include <jansson.h>

#define DTSTREAM_FRAME_MAX	(1024 * 1024)

/* A downstream frame; the strings point into the parsed JSON. */
struct dtstream_frame {
	const char	*type;		/* SYSTEM, CALLBACK, EVENT */
	const char	*topic;
	const char	*message_id;	/* NULL only for SYSTEM */
	const char	*connection_id;	/* NULL when absent */
	const char	*data;		/* the JSON inside the string, or NULL */
};

int	 dtstream_parse(const char *, size_t, json_t **,
	    struct dtstream_frame *, const char **why);
char	*dtstream_ack(int code, const char *message_id, const char *data);

#endif
