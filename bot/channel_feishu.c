/* Placeholder until the feishu robot adapter lands: not sendable. */
#include <stddef.h>

#include "channel.h"

const struct channel_backend channel_feishu_backend = {
	.type = "feishu",
};
