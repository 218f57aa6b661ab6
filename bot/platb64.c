/* Strict base64 over OpenSSL's EVP block coder (see platb64.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "platb64.h"
#include "messages/xmalloc.h"

/* Returns 1 if c is one of the 64 characters of the standard alphabet. */
static int
platb64_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decodes strict base64; see platb64.h for the contract. */
int
platb64_decode(const char *in, size_t len, size_t max, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf = NULL;
	size_t		 i, pad = 0;
	int		 n, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (len == 0 || len > max || len % 4 != 0 || len > INT_MAX)
		goto out;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (!platb64_is_alpha((unsigned char)in[i]))
			goto out;
	buf = xmalloc(PLATB64_DECODED_MAX(len) + 1);
	/*
	 * EVP_DecodeBlock counts the bytes the '=' stand for as zeros, so the
	 * real length is its answer less the padding.
	 */
	n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n != PLATB64_DECODED_MAX(len))
		goto out;
	*outlen = (size_t)n - pad;
	buf[*outlen] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Encodes n bytes; the caller frees the string. */
char *
platb64_encode(const unsigned char *in, size_t n)
{
	char	*s;

	if (n > (size_t)INT_MAX / 4 * 3 - 3)
		abort();	/* callers cap their inputs far below */
	s = xmalloc(PLATB64_ENCODED_LEN(n) + 1);
	(void)EVP_EncodeBlock((unsigned char *)s, in, (int)n);
	return s;
}
