/* Placeholder until the wecom robot adapter lands: not sendable. */
#include <stddef.h>

#include "channel.h"

const struct channel_backend channel_wecom_backend = {
	.type = "wecom",
};
