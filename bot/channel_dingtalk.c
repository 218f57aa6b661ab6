/* Placeholder until the dingtalk robot adapter lands: not sendable. */
#include <stddef.h>

#include "channel.h"

const struct channel_backend channel_dingtalk_backend = {
	.type = "dingtalk",
};
