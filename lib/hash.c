// SPDX-License-Identifier: LGPL-2.1-or-later
/* SHA-256 through OpenSSL's EVP interface. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "internal.h"

const unsigned char ps_zeros[1 << 16];

struct ps_sha {
	EVP_MD_CTX *ctx;
};

int ps_sha_new(struct ps_sha **shap)
{
	struct ps_sha *sha = calloc(1, sizeof(*sha));

	*shap = NULL;
	if (!sha)
		return ps_fail(ENOMEM);
	sha->ctx = EVP_MD_CTX_new();
	if (!sha->ctx || !EVP_DigestInit_ex(sha->ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(sha->ctx);
		free(sha);
		return ps_fail(ENOMEM);
	}
	*shap = sha;
	return 0;
}

void ps_sha_free(struct ps_sha *sha)
{
	if (!sha)
		return;
	EVP_MD_CTX_free(sha->ctx);
	free(sha);
}

int ps_sha_reset(struct ps_sha *sha)
{
	if (!EVP_DigestInit_ex(sha->ctx, EVP_sha256(), NULL))
		return ps_fail(EIO);
	return 0;
}

int ps_sha_update(struct ps_sha *sha, const void *buf, size_t len)
{
	if (len && !EVP_DigestUpdate(sha->ctx, buf, len))
		return ps_fail(EIO);
	return 0;
}

int ps_sha_zeros(struct ps_sha *sha, uint64_t len)
{
	size_t n;
	int err;

	while (len) {
		n = len < sizeof(ps_zeros) ? (size_t)len : sizeof(ps_zeros);
		err = ps_sha_update(sha, ps_zeros, n);
		if (err)
			return err;
		len -= n;
	}
	return 0;
}

int ps_sha_final(struct ps_sha *sha, char hex[PS_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_DigestFinal_ex(sha->ctx, md, &len) || len != 32)
		return ps_fail(EIO);
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
	return ps_sha_reset(sha);
}

int ps_sha256_buf(const void *buf, size_t len, char hex[PS_SHA256_HEX])
{
	struct ps_sha *sha;
	int err;

	err = ps_sha_new(&sha);
	if (err)
		return err;
	err = ps_sha_update(sha, buf, len);
	if (!err)
		err = ps_sha_final(sha, hex);
	ps_sha_free(sha);
	return err;
}
