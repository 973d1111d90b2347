/*
 * st_thread.h - starting the store layer's threads inside a host.
 */
#ifndef ST_THREAD_H
#define ST_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/*
 * Starts FN(ARG) in a new thread written to *THREAD, with every signal
 * blocked in it, so that the host's signal handlers always run on the
 * host's own thread. The calling thread's mask is left as it was. True
 * when the thread runs.
 */
bool st_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
