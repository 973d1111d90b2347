/*
 * bench_audit.c - the audit trail's two costs: queueing one record on the
 * hot path (ns), and records per second appended to PostgreSQL in batches,
 * then checked by verify. The second needs SMARTOFFICE_DB.
 *
 *   bench_audit [SECONDS] [BATCH]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "so_audit.h"
#include "st_audit.h"
#include "bench_util.h"

#define QUEUE_SLOTS 4096

static const struct so_audit_event sample = {
    1700000000000000, "lahore.gov.pk",       "omemo_policy",       "refuse",
    "plaintext",      "alice@lahore.gov.pk", "bob@karachi.gov.pk",
};

/* Fills the queue, timing only the pushes, then drains it; repeats. */
static int bench_queue(void)
{
    struct so_audit_queue *q = so_audit_queue_new(QUEUE_SLOTS);
    struct so_audit_record *out = malloc(256 * sizeof(*out));
    double pushing = 0;
    uint64_t pushes = 0;
    int round, i, rc = 1;

    if (q == NULL || out == NULL)
        goto out;
    for (round = 0; round < 500; round++) {
        double t0 = bench_now_s();

        for (i = 0; i < QUEUE_SLOTS; i++) {
            if (so_audit_queue_push(q, &sample) != SO_OK)
                goto out;
        }
        pushing += bench_now_s() - t0;
        pushes += QUEUE_SLOTS;
        while (so_audit_queue_pop(q, out, 256) > 0)
            ;
    }
    printf("audit queue push: %.1f ns per record (%" PRIu64
           " pushes, capacity %zu, dropped %" PRIu64 ")\n",
           pushing / (double)pushes * 1e9, pushes, so_audit_queue_capacity(q),
           so_audit_queue_dropped(q));
    rc = 0;
out:
    free(out);
    so_audit_queue_free(q);
    return rc;
}

static int bench_store(const char *db, double seconds, size_t batch)
{
    struct st_audit_writer *w = st_audit_writer_new(db, NULL);
    struct so_audit_record *recs = malloc(batch * sizeof(*recs));
    struct st_audit_verdict v;
    double t0, took;
    uint64_t n = 0;
    size_t i;
    int rc = 1;

    if (w == NULL || recs == NULL)
        goto out;
    for (i = 0; i < batch; i++)
        so_audit_record_set(&recs[i], &sample);
    t0 = bench_now_s();
    do {
        if (st_audit_append(w, recs, batch) != ST_AUDIT_OK) {
            fprintf(stderr, "bench_audit: %s\n", st_audit_error(w));
            goto out;
        }
        n += batch;
    } while ((took = bench_now_s() - t0) < seconds);
    printf("audit append, batches of %zu: %.0f records/s (%" PRIu64
           " in %.1f s)\n",
           batch, (double)n / took, n, took);
    t0 = bench_now_s();
    if (st_audit_verify(w, &v) != ST_AUDIT_OK) {
        fprintf(stderr, "bench_audit: %s\n", st_audit_error(w));
        goto out;
    }
    took = bench_now_s() - t0;
    printf("audit verify: %.0f records/s (%" PRId64 " records, %s)\n",
           (double)v.count / took, v.count, v.intact ? "intact" : v.why);
    rc = v.intact ? 0 : 1;
out:
    free(recs);
    st_audit_writer_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 5.0;
    long batch = argc > 2 ? atol(argv[2]) : 256;
    const char *db = getenv("SMARTOFFICE_DB");

    if (seconds <= 0 || batch <= 0) {
        fprintf(stderr, "usage: bench_audit [SECONDS] [BATCH]\n");
        return 2;
    }
    if (bench_queue() != 0)
        return 1;
    if (db == NULL || *db == '\0') {
        printf("audit append: skipped: SMARTOFFICE_DB not set\n");
        return 0;
    }
    return bench_store(db, seconds, (size_t)batch);
}
