/*
 * dir_main.c - smartoffice-directory: the employee directory as an
 * XMPP component (docs/modules/directory.md).
 *
 *   smartoffice-directory --config FILE     run until SIGTERM or SIGINT
 *   smartoffice-directory --config FILE --check
 *   smartoffice-directory --help
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dir_config.h"
#include "dir_conn.h"
#include "dir_handlers.h"
#include "dir_log.h"

/* Requesters whose "more" is remembered, and open command sessions. */
#define CHAT_SLOTS 1024
#define SESSION_SLOTS 256
#define PAGES_TTL_MS (15 * 60 * 1000)

enum {
    EXIT_OK = 0,
    EXIT_FAILURE_RUN = 1,
    EXIT_USAGE = 2,
    EXIT_CONFIG = 3,
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s --config FILE [--check]\n"
            "       %s --help\n"
            "\n"
            "Serves the Smart Office employee directory as an XMPP "
            "component\n"
            "(XEP-0114): search (XEP-0055, XEP-0059), an ad-hoc command\n"
            "(XEP-0050), a chat interface and vCards (XEP-0054).\n"
            "\n"
            "  --config FILE  'name = value' lines; the options are listed\n"
            "                 by 'smartoffice options --module directory'\n"
            "  --check        check the configuration and exit\n"
            "  --help         print this text\n"
            "\n"
            "Exit status: 0 stopped cleanly or configuration valid, 1 could "
            "not run,\n"
            "2 usage error, 3 invalid configuration.\n",
            prog, prog);
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int run(const struct dir_config *cfg)
{
    struct dir_app app;
    int rc = EXIT_FAILURE_RUN;

    memset(&app, 0, sizeof(app));
    if (dir_service_init(&app.svc, cfg) != 0)
        goto out;
    app.chats = dir_pages_new(CHAT_SLOTS, PAGES_TTL_MS);
    app.sessions = dir_pages_new(SESSION_SLOTS, PAGES_TTL_MS);
    if (app.chats == NULL || app.sessions == NULL)
        goto out_pages;
    dir_log(DIR_LOG_INFO, "serving %s for %zu domain(s), page size %u",
            cfg->jid, cfg->ndomains, cfg->page_size);
    if (dir_conn_run(cfg, &app, &stop_requested) == 0)
        rc = EXIT_OK;
out_pages:
    dir_pages_free(app.sessions);
    dir_pages_free(app.chats);
    dir_service_clear(&app.svc);
out:
    if (rc != EXIT_OK)
        dir_log(DIR_LOG_ERROR, "could not start: out of memory");
    return rc;
}

int main(int argc, char **argv)
{
    struct dir_config cfg;
    const char *path = NULL;
    char err[512];
    int check = 0, i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0]);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            usage(stderr, argv[0]);
            return EXIT_USAGE;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "%s: --config FILE is required\n", argv[0]);
        usage(stderr, argv[0]);
        return EXIT_USAGE;
    }
    memset(&cfg, 0, sizeof(cfg));
    if (dir_config_read(path, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        dir_config_clear(&cfg);
        return EXIT_CONFIG;
    }
    dir_log_set_level(cfg.log_level);
    if (check) {
        printf("%s: configuration valid (%s)\n", path, cfg.jid);
        dir_config_clear(&cfg);
        return EXIT_OK;
    }
    install_signals();
    rc = run(&cfg);
    dir_config_clear(&cfg);
    return rc;
}
