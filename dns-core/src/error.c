#include "dns/error.h"

static const char *const messages[DNS_ERR_COUNT_] = {
	[DNS_OK] = "success",
	[DNS_EINVAL] = "invalid argument",
	[DNS_ENOMEM] = "out of memory",
	[DNS_ESPACE] = "not enough space",
	[DNS_EMALFORMED] = "malformed wire data",
	[DNS_ESYNTAX] = "syntax error",
	[DNS_ELIMIT] = "limit exceeded",
	[DNS_ENOTFOUND] = "not found",
	[DNS_EEXIST] = "already exists",
	[DNS_EIO] = "input/output error",
	[DNS_ENOTSUP] = "not supported",
	[DNS_EDENIED] = "not permitted",
	[DNS_ETSIG] = "TSIG verification failed",
	[DNS_EZONE] = "inconsistent zone",
};

const char *dns_strerror(dns_err_t err)
{
	if ((unsigned)err >= DNS_ERR_COUNT_ || messages[err] == 0)
		return "unknown error";
	return messages[err];
}
