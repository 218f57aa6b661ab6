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
/* A key for one purpose, derived from the store key (-1 without one). */
int		 reporters_subkey(const struct store *, const char *purpose,
		    uint8_t out[32]);
/* Derives the store's seal key from its key (store_open()). */
void		 reporters_key_init(struct store *);
void		 reporters_key_free(struct store *);
/* Seals text with AES-256-GCM under the store's sealing key into a new
 * nonce || ciphertext || tag (caller frees *out); opens one again into a
 * new string, -1 when it was tampered with. Phone numbers are sealed the
 * same way as reporters (storage/phones.c). */
int		 reporters_seal(const struct store *, const char *plain,
		    uint8_t **out, size_t *outlen);
int		 reporters_unseal(const struct store *, const uint8_t *in,
		    size_t n, char **plain);
/* Finds or creates the sealed row of an identity. */
enum store_status reporters_put(struct store *, const struct reporter_identity *,
		    time_t now, int64_t *id);

#endif
