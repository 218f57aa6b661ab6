/* Reporter identities, for storage/tips.c. */
#ifndef FANGFEI_REPORTERS_INT_H
#define FANGFEI_REPORTERS_INT_H

#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tips.h"

#define REPORTER_REF_LEN	32

struct store;
/* The keyed hash that finds an identity's reporter row. */
int		 reporters_ref(const struct store *, const char *channel,
		    const char *sender, uint8_t out[REPORTER_REF_LEN]);
/* Finds or creates the sealed row of an identity. */
enum store_status reporters_put(struct store *, const struct reporter_identity *,
		    time_t now, int64_t *id);

#endif
