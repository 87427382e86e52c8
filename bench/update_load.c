/*
 * update_load.c - TSIG-signed UPDATE load generator for bench/updates.sh.
 *
 *   update_load ADDR PORT KEY ZONE CLIENTS UPDATES_PER_CLIENT [TAG]
 *
 * KEY is name:alg:base64.  Each client (a thread with its own UDP socket)
 * sends one update at a time, adding a TXT record at a name of its own
 * (<TAG>-c<client>-<n>.<ZONE>), and waits for the signed answer before the
 * next: an answer means the change is pushed.  Prints the updates
 * acknowledged (NOERROR with a valid TSIG), failures, the rate, and the
 * latency percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "dns/wire.h"

#define TIMEOUT_MS 30000

static struct sockaddr_storage g_addr;
static socklen_t g_addrlen;
static dns_tsig_key_t g_key;
static uint8_t g_zone[DNS_NAME_MAX];
static char g_zone_text[DNS_NAME_TEXT_MAX];
static unsigned g_per_client;
static const char *g_tag = "bench";

typedef struct client {
	pthread_t t;
	unsigned id;
	unsigned ok, failed;
	double *lat_ms;
} client_t;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One UPDATE adding a TXT record; returns its length. */
static size_t build(uint8_t *buf, size_t cap, uint16_t id, unsigned client, unsigned n,
                    uint8_t *mac, size_t *mac_len)
{
	char owner_text[DNS_NAME_TEXT_MAX + 64];
	uint8_t owner[DNS_NAME_MAX];
	size_t olen, zlen = dns_name_length(g_zone), len = 0;
	snprintf(owner_text, sizeof(owner_text), "%s-c%u-%u.%s", g_tag, client, n, g_zone_text);
	if (dns_name_from_text(owner, &olen, owner_text, strlen(owner_text), NULL) != DNS_OK)
		return 0;
	dns_put16(buf, id);
	dns_put16(buf + 2, DNS_OPCODE_UPDATE << 11);
	dns_put16(buf + 4, 1);  /* zone */
	dns_put16(buf + 6, 0);  /* prerequisites */
	dns_put16(buf + 8, 1);  /* updates */
	dns_put16(buf + 10, 0);
	len = 12;
	memcpy(buf + len, g_zone, zlen);
	len += zlen;
	dns_put16(buf + len, DNS_TYPE_SOA);
	dns_put16(buf + len + 2, DNS_CLASS_IN);
	len += 4;
	memcpy(buf + len, owner, olen);
	len += olen;
	char txt[64];
	int tl = snprintf(txt, sizeof(txt), "load %u %u", client, n);
	dns_put16(buf + len, DNS_TYPE_TXT);
	dns_put16(buf + len + 2, DNS_CLASS_IN);
	dns_put32(buf + len + 4, 60);
	dns_put16(buf + len + 8, (uint16_t)(tl + 1));
	len += 10;
	buf[len++] = (uint8_t)tl;
	memcpy(buf + len, txt, (size_t)tl);
	len += (size_t)tl;
	if (dns_tsig_sign(buf, &len, cap, &g_key, (uint64_t)time(NULL), mac, mac_len) != DNS_OK)
		return 0;
	return len;
}

static void *client_main(void *arg)
{
	client_t *c = arg;
	int fd = socket(g_addr.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&g_addr, g_addrlen) != 0) {
		perror("socket");
		return NULL;
	}
	uint8_t q[1024], a[65535], mac[DNS_TSIG_MAC_MAX];
	for (unsigned n = 0; n < g_per_client; n++) {
		size_t mac_len = 0;
		uint16_t id = (uint16_t)(rand() & 0xffff);
		size_t len = build(q, sizeof(q), id, c->id, n, mac, &mac_len);
		double t0 = now_ms();
		if (!len || send(fd, q, len, 0) != (ssize_t)len) {
			c->failed++;
			continue;
		}
		bool done = false;
		while (!done) {
			struct pollfd p = { fd, POLLIN, 0 };
			int left = TIMEOUT_MS - (int)(now_ms() - t0);
			if (left <= 0 || poll(&p, 1, left) != 1) {
				c->failed++;
				break;
			}
			ssize_t r = recv(fd, a, sizeof(a), 0);
			if (r < 12 || dns_get16(a) != id)
				continue;
			done = true;
			dns_msg_t m;
			uint16_t terr = 0;
			bool good = dns_msg_parse(&m, a, (size_t)r) == DNS_OK &&
			            (m.flags & 0xF) == DNS_RCODE_NOERROR &&
			            dns_tsig_verify_response(&m, &g_key, mac, mac_len, (uint64_t)time(NULL),
			                                     &terr) == DNS_OK;
			dns_msg_free(&m);
			if (good)
				c->lat_ms[c->ok++] = now_ms() - t0;
			else
				c->failed++;
		}
	}
	close(fd);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: %s ADDR PORT KEY ZONE CLIENTS UPDATES_PER_CLIENT [TAG]\n",
		        argv[0]);
		return 2;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&g_addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&g_addr;
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(argv[2]));
		g_addrlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(argv[2]));
		g_addrlen = sizeof(*s6);
	} else {
		fprintf(stderr, "bad address %s\n", argv[1]);
		return 2;
	}
	if (dns_tsig_key_from_text(&g_key, argv[3], strlen(argv[3])) != DNS_OK) {
		fprintf(stderr, "bad key %s\n", argv[3]);
		return 2;
	}
	size_t zl;
	snprintf(g_zone_text, sizeof(g_zone_text), "%s%s", argv[4],
	         argv[4][strlen(argv[4]) - 1] == '.' ? "" : ".");
	if (dns_name_from_text(g_zone, &zl, g_zone_text, strlen(g_zone_text), NULL) != DNS_OK) {
		fprintf(stderr, "bad zone %s\n", argv[4]);
		return 2;
	}
	unsigned nclients = (unsigned)atoi(argv[5]);
	g_per_client = (unsigned)atoi(argv[6]);
	if (argc > 7)
		g_tag = argv[7];
	if (nclients == 0 || nclients > 4096 || g_per_client == 0)
		return 2;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	client_t *c = calloc(nclients, sizeof(*c));
	double t0 = now_ms();
	for (unsigned i = 0; i < nclients; i++) {
		c[i].id = i;
		c[i].lat_ms = calloc(g_per_client, sizeof(double));
		pthread_create(&c[i].t, NULL, client_main, &c[i]);
	}
	unsigned ok = 0, failed = 0;
	for (unsigned i = 0; i < nclients; i++) {
		pthread_join(c[i].t, NULL);
		ok += c[i].ok;
		failed += c[i].failed;
	}
	double secs = (now_ms() - t0) / 1e3;
	double *all = calloc(ok ? ok : 1, sizeof(double));
	size_t k = 0;
	for (unsigned i = 0; i < nclients; i++)
		for (unsigned j = 0; j < c[i].ok; j++)
			all[k++] = c[i].lat_ms[j];
	qsort(all, k, sizeof(double), cmp);
	double p50 = k ? all[k / 2] : 0, p99 = k ? all[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1] : 0;
	printf("clients=%u acknowledged=%u failed=%u seconds=%.2f updates_per_s=%.0f "
	       "p50_ms=%.2f p99_ms=%.2f\n",
	       nclients, ok, failed, secs, ok / secs, p50, p99);
	return failed ? 1 : 0;
}
