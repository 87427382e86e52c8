/*
 * config.h - the command line of dns-secondary.
 *
 *   dns-secondary --zone NAME --primary ADDR[:PORT] [--key name:alg:secret]
 *                 [--zone ...]...
 *                 [--keys name:alg:secret]...   zone, primary and our address
 *                                               from <primary-ip>.<secondary-ip>._transfer.<zone>
 *                 [--transfer-key name:alg:secret]...  keys downstream secondaries
 *                                               may transfer from us with
 *                 [--notify ADDR[:PORT]]...     downstream secondaries to NOTIFY
 *                 [--listen ADDR:PORT]... [--workers N] [--state-dir DIR]
 *                 [--metrics ADDR:PORT] [--log-level L] [--control PATH]
 *                 [--hidden] [--help]
 *
 * Each --zone (and each --keys) starts a zone entry; --primary, --key and
 * --notify that follow apply to it (so `--keys K --primary 127.0.0.1:5300`
 * moves the primary of a key-named zone to another port).  A --notify
 * given before the first zone applies to every zone.  --hidden (no
 * value) registers with every primary as a hidden secondary (each zone
 * then needs a key).
 */
#ifndef SEC_CONFIG_H
#define SEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/guard.h"
#include "dns/keys.h"
#include "dns/name.h"
#include "dns/daemon_net.h"
#include "dns/net.h"

#include "dns/log.h"

#define SEC_MAX_ZONES 4096
#define SEC_MAX_LISTEN 32
#define SEC_MAX_NOTIFY 1024     /* --notify options in all */

typedef struct sec_zone_conf {
	uint8_t origin[DNS_NAME_MAX];    /* lower case */
	char name[DNS_NAME_TEXT_MAX];    /* without the trailing dot (root: ".") */
	dns_net_addr_t primary;
	bool has_primary;
	dns_net_addr_t source;           /* our address toward the primary (port 0) */
	bool has_source;
	dns_tsig_key_t key;
	bool has_key;
} sec_zone_conf_t;

/* A --notify target: of one zone entry, or of all (zone == SEC_NOTIFY_ALL). */
#define SEC_NOTIFY_ALL ((size_t)-1)
typedef struct sec_notify_conf {
	size_t zone;                     /* index into zones */
	dns_net_addr_t addr;
} sec_notify_conf_t;

typedef struct sec_config {
	sec_zone_conf_t *zones;
	size_t nzones;
	dns_tsig_key_t *xfr_keys;        /* --transfer-key */
	size_t nxfr_keys;
	sec_notify_conf_t *notify;       /* --notify */
	size_t nnotify;
	dns_net_addr_t listen[SEC_MAX_LISTEN];
	size_t nlisten;
	unsigned workers;
	const char *state_dir;   /* NULL: no persistence */
	const char *control;     /* --control; NULL: <state_dir>/control.sock, if any */
	dns_net_addr_t metrics;
	bool has_metrics;
	dns_log_level_t log_level;
	const char *query_log;          /* --query-log FILE or "-"; NULL: off */
	bool hidden;             /* --hidden: kept connections to the primaries */
	dns_guard_config_t guard;  /* --rrl*, --cookie-* */
	dns_daemon_limits_t limits;  /* --tcp-*, --fd-reserve, --metrics-max-conns */
	const char *bad_arg;     /* on SEC_CONFIG_ERROR: the argv element at fault, or NULL */
} sec_config_t;

/* Result of parsing. */
typedef enum sec_config_status {
	SEC_CONFIG_OK = 0,
	SEC_CONFIG_HELP,      /* --help: print sec_config_usage, exit 0 */
	SEC_CONFIG_ERROR,     /* @err says why: exit 2 */
} sec_config_status_t;

sec_config_status_t sec_config_parse(sec_config_t *c, int argc, char **argv, char *err,
                                     size_t errlen);
void sec_config_free(sec_config_t *c);

/* "ADDR[:PORT]" with ADDR IPv4, [IPv6] or a bare IPv6 address; port 53 by default. */
dns_err_t sec_parse_primary(const char *text, dns_net_addr_t *out);

extern const char sec_config_usage[];

#endif
