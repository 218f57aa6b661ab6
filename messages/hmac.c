/* HMAC-SHA256 with the algorithms looked up once per process. */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "hmac.h"

static pthread_once_t	 hmac_once = PTHREAD_ONCE_INIT;
static EVP_MAC_CTX	*hmac_template;	/* HMAC with SHA-256, no key */

/* Makes the template every MAC is copied from; it lives as long as the
 * process, like OpenSSL's own tables. */
static void
hmac_init(void)
{
	EVP_MAC		*mac;
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)(uintptr_t)"SHA256", 0),
		OSSL_PARAM_construct_end()
	};

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (hmac_template = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_CTX_set_params(hmac_template, params) != 1)
		abort();
	/* The context holds its own reference. */
	EVP_MAC_free(mac);
}

/* Computes HMAC-SHA256; see hmac.h. */
void
hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
    uint8_t out[HMAC_SHA256_LEN])
{
	EVP_MAC_CTX	*c;
	size_t		 len;

	(void)pthread_once(&hmac_once, hmac_init);
	if ((c = EVP_MAC_CTX_dup(hmac_template)) == NULL ||
	    EVP_MAC_init(c, key, keylen, NULL) != 1 ||
	    EVP_MAC_update(c, msg, msglen) != 1 ||
	    EVP_MAC_final(c, out, &len, HMAC_SHA256_LEN) != 1 ||
	    len != HMAC_SHA256_LEN)
		abort();
	EVP_MAC_CTX_free(c);
}
