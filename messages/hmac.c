/* HMAC-SHA256 and the digests and cipher, looked up once per process. */
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

static pthread_once_t	 algs_once = PTHREAD_ONCE_INIT;
static EVP_MD		*algs_sha1, *algs_sha256;
static EVP_CIPHER	*algs_aes_256_cbc, *algs_aes_256_gcm;

/* Fetches the algorithms; they live as long as the process. */
static void
algs_init(void)
{
	if ((algs_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (algs_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (algs_aes_256_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC",
	    NULL)) == NULL ||
	    (algs_aes_256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM",
	    NULL)) == NULL)
		abort();
}

const EVP_MD *
crypto_sha1(void)
{
	(void)pthread_once(&algs_once, algs_init);
	return algs_sha1;
}

const EVP_MD *
crypto_sha256(void)
{
	(void)pthread_once(&algs_once, algs_init);
	return algs_sha256;
}

const EVP_CIPHER *
crypto_aes_256_cbc(void)
{
	(void)pthread_once(&algs_once, algs_init);
	return algs_aes_256_cbc;
}

const EVP_CIPHER *
crypto_aes_256_gcm(void)
{
	(void)pthread_once(&algs_once, algs_init);
	return algs_aes_256_gcm;
}
