/*
 * cli_db.c - smartoffice db: install the schema, show its version; and the
 * connection helpers every database subcommand shares.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "st_db.h"

/* The schema version this build installs: schemas/install-N.sql. */
#define SCHEMA_VERSION "1"
#define SCHEMA_FILE "install-" SCHEMA_VERSION ".sql"
#define SCHEMA_MAX (1024 * 1024)

#ifndef CLI_SCHEMAS_DIR
#define CLI_SCHEMAS_DIR "/usr/local/share/smartoffice/schemas"
#endif

static const char schema_exists_sql[] =
    "SELECT 1 FROM pg_namespace WHERE nspname = $1";
static const char version_sql[] =
    "SELECT max(version) FROM smartoffice.schema_version";

static void db_usage(FILE *out)
{
    fprintf(out,
            "usage: %s db init [--db CONNINFO]\n"
            "       %s db status [--db CONNINFO]\n\n"
            "init installs schema version %s into an empty UTF8 database;\n"
            "status prints the installed schema version.\n\n"
            "options:\n"
            "  --db CONNINFO  libpq connection string (default: "
            "$SMARTOFFICE_DB,\n"
            "                 else libpq's PG* variables)\n"
            "  --help         this text\n\n"
            "The schema file is read from $SMARTOFFICE_SCHEMAS, else the "
            "source\ntree's schemas/ beside the binary, else %s.\n",
            cli_progname, cli_progname, SCHEMA_VERSION, CLI_SCHEMAS_DIR);
}

int cli_db_connect(const char *conninfo, struct st_db **db)
{
    char err[512];

    if (conninfo == NULL)
        conninfo = getenv("SMARTOFFICE_DB");
    if (st_db_open(conninfo, db, err, sizeof(err)) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, err);
        return CLI_EXIT_DB;
    }
    return CLI_EXIT_OK;
}

/* True when the smartoffice schema exists; *EXISTS says which. */
static int schema_exists(struct st_db *db, bool *exists)
{
    const char *params[1] = {"smartoffice"};
    PGresult *res;

    if (st_db_exec(db, "looking for the schema", schema_exists_sql, 1, params,
                   PGRES_TUPLES_OK, &res) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return CLI_EXIT_DB;
    }
    *exists = PQntuples(res) > 0;
    PQclear(res);
    return CLI_EXIT_OK;
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Writes the path of the schema file to PATH; see db_usage(). */
static void schema_path(char *path, size_t len)
{
    const char *env = getenv("SMARTOFFICE_SCHEMAS");
    char exe[PATH_MAX];
    ssize_t n;

    if (env != NULL && env[0] != '\0') {
        snprintf(path, len, "%s/%s", env, SCHEMA_FILE);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        /* build/bin/smartoffice -> build/bin/../../schemas */
        snprintf(path, len, "%s/../../schemas/%s", dirname(exe), SCHEMA_FILE);
        if (file_exists(path))
            return;
    }
    snprintf(path, len, "%s/%s", CLI_SCHEMAS_DIR, SCHEMA_FILE);
}

/* Reads PATH whole into a NUL-terminated buffer to free(), or NULL. */
static char *read_file(const char *path)
{
    FILE *f;
    char *buf = NULL;
    size_t n;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", cli_progname, path, strerror(errno));
        goto out;
    }
    buf = malloc(SCHEMA_MAX + 1);
    if (buf == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", cli_progname, path);
        goto out_file;
    }
    n = fread(buf, 1, SCHEMA_MAX + 1, f);
    if (ferror(f) || n > SCHEMA_MAX) {
        fprintf(stderr, "%s: %s: %s\n", cli_progname, path,
                ferror(f) ? "read error" : "larger than 1 MiB");
        free(buf);
        buf = NULL;
        goto out_file;
    }
    buf[n] = '\0';
out_file:
    fclose(f);
out:
    return buf;
}

/* The line of the 1-based character position POS in TEXT (UTF-8). */
static long line_of(const char *text, long pos)
{
    long line = 1, chars = 0;
    const unsigned char *p;

    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p & 0xc0) == 0x80)
            continue; /* a continuation byte is no character of its own */
        if (++chars >= pos)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

static int db_init(struct st_db *db)
{
    char path[PATH_MAX + 64];
    char *script;
    bool exists;
    long pos;
    int rc;

    rc = schema_exists(db, &exists);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (exists) {
        fprintf(stderr,
                "%s: database '%s' already has the smartoffice schema; "
                "nothing done\n",
                cli_progname, PQdb(st_db_conn(db)));
        return CLI_EXIT_INPUT;
    }
    schema_path(path, sizeof(path));
    script = read_file(path);
    if (script == NULL)
        return CLI_EXIT_INPUT;
    rc = CLI_EXIT_OK;
    if (st_db_run_script(db, "applying the schema", script, &pos) != ST_OK) {
        if (pos > 0)
            fprintf(stderr, "%s: %s:%ld: %s\n", cli_progname, path,
                    line_of(script, pos), st_db_error(db));
        else
            fprintf(stderr, "%s: %s: %s\n", cli_progname, path,
                    st_db_error(db));
        rc = CLI_EXIT_DB;
    } else {
        printf("installed schema version %s in database '%s'\n", SCHEMA_VERSION,
               PQdb(st_db_conn(db)));
    }
    free(script);
    return rc;
}

static int db_status(struct st_db *db)
{
    PGresult *res;
    bool exists;
    int rc;

    rc = schema_exists(db, &exists);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!exists) {
        fprintf(stderr,
                "%s: database '%s' is not initialised; run '%s db init'\n",
                cli_progname, PQdb(st_db_conn(db)), cli_progname);
        return CLI_EXIT_INPUT;
    }
    if (st_db_exec(db, "reading the schema version", version_sql, 0, NULL,
                   PGRES_TUPLES_OK, &res) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return CLI_EXIT_DB;
    }
    printf("schema version %s\n",
           PQgetisnull(res, 0, 0) ? "none" : PQgetvalue(res, 0, 0));
    PQclear(res);
    return CLI_EXIT_OK;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "%s db: %s%s%s\ntry '%s db --help'\n", cli_progname, what,
            arg != NULL ? " " : "", arg != NULL ? arg : "", cli_progname);
    return CLI_EXIT_USAGE;
}

int cli_db_main(int argc, char **argv)
{
    const char *sub = NULL, *conninfo = NULL, *v;
    struct st_db *db;
    bool missing = false;
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            db_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_option_value(argc, argv, &i, "--db", &missing))) {
            conninfo = v;
            continue;
        }
        if (missing)
            return usage_error("missing value for", argv[i]);
        if (argv[i][0] == '-' || sub != NULL)
            return usage_error("unexpected argument", argv[i]);
        sub = argv[i];
    }
    if (sub == NULL)
        return usage_error("no subcommand given (init or status)", NULL);
    if (strcmp(sub, "init") != 0 && strcmp(sub, "status") != 0)
        return usage_error("unknown subcommand", sub);
    rc = cli_db_connect(conninfo, &db);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = strcmp(sub, "init") == 0 ? db_init(db) : db_status(db);
    st_db_free(db);
    return rc;
}
