/*
 * loop.c - an event loop other threads can post to: a locked mail queue
 * and an eventfd that wakes the loop.  The lock is taken only when mail is
 * posted or delivered, never on the query path.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net_impl.h"

mail_t *net_mail_new(mail_kind_t kind, size_t len)
{
	mail_t *m = calloc(1, sizeof(*m) + len);
	if (m != NULL) {
		m->kind = kind;
		m->len = len;
	}
	return m;
}

static void loop_wake(evutil_socket_t fd, short what, void *arg)
{
	net_loop_t *loop = arg;
	uint64_t v;
	/* Drain the counter first so a post racing with delivery re-wakes us. */
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: spurious wake-up; the queue is checked anyway */
	}
	pthread_mutex_lock(&loop->lock);
	mail_t *m = loop->head;
	loop->head = NULL;
	loop->tail = &loop->head;
	pthread_mutex_unlock(&loop->lock);
	while (m != NULL) {
		mail_t *next = m->next;
		loop->deliver(loop, m);   /* frees m */
		m = next;
	}
}

int net_loop_init(net_loop_t *loop, void (*deliver)(net_loop_t *, mail_t *), void *owner)
{
	struct event_config *ec = event_config_new();
	memset(loop, 0, sizeof(*loop));
	loop->efd = -1;
	if (ec == NULL)
		return -1;
	/* Each base is used by one thread only: no libevent locking. */
	event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	loop->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (loop->base == NULL)
		return -1;
	loop->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->efd < 0)
		return -1;
	loop->ev = event_new(loop->base, loop->efd, EV_READ | EV_PERSIST, loop_wake, loop);
	if (loop->ev == NULL || event_add(loop->ev, NULL) != 0)
		return -1;
	pthread_mutex_init(&loop->lock, NULL);
	loop->tail = &loop->head;
	loop->deliver = deliver;
	loop->owner = owner;
	return 0;
}

void net_loop_fini(net_loop_t *loop)
{
	if (loop->tail != NULL) {
		mail_t *m = loop->head;
		while (m != NULL) {
			mail_t *next = m->next;
			if (m->conn != NULL)
				net_conn_unref(m->conn);
			if (m->kind == MAIL_DEFERRED)
				net_deferred_discard(m->arg);
			free(m);
			m = next;
		}
		pthread_mutex_destroy(&loop->lock);
	}
	if (loop->ev != NULL)
		event_free(loop->ev);
	if (loop->efd >= 0)
		close(loop->efd);
	if (loop->base != NULL)
		event_base_free(loop->base);
	memset(loop, 0, sizeof(*loop));
	loop->efd = -1;
}

void net_loop_post(net_loop_t *loop, mail_t *m)
{
	uint64_t one = 1;
	m->next = NULL;
	pthread_mutex_lock(&loop->lock);
	*loop->tail = m;
	loop->tail = &m->next;
	pthread_mutex_unlock(&loop->lock);
	if (write(loop->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the loop is awake anyway */
	}
}
