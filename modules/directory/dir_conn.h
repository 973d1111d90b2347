/*
 * dir_conn.h - the component's connection to the server (XEP-0114) and
 * its event loop: stanzas are dispatched to the handlers, and a lost or
 * refused connection is tried again with exponential backoff (1 s up to
 * 30 s, with jitter) until the process is told to stop.
 */
#ifndef DIR_CONN_H
#define DIR_CONN_H

#include <signal.h>

#include "dir_config.h"
#include "dir_handlers.h"

/*
 * Runs until *STOP becomes non-zero (set by a signal handler), then
 * closes the stream. CFG and APP are borrowed. Returns 0, or -1 when
 * libstrophe could not be set up at all.
 */
int dir_conn_run(const struct dir_config *cfg, struct dir_app *app,
                 volatile sig_atomic_t *stop);

#endif
