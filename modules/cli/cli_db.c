/*
 * cli_db.c - smartoffice db: install the schema, upgrade it step by step,
 * show its version; and the connection helpers every database subcommand
 * shares.
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

/* The newest schema version, which this build installs from
 * schemas/install-N.sql and upgrades to through schemas/upgrade-M-(M+1).sql
 * from every older version M. */
#define SCHEMA_NEWEST 2
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
            "       %s db upgrade [--db CONNINFO]\n"
            "       %s db status [--db CONNINFO]\n\n"
            "init installs schema version %d into an empty UTF8 database;\n"
            "upgrade applies the upgrade steps from the installed version to\n"
            "version %d, each in its own transaction, in order;\n"
            "status prints the installed schema version and whether an "
            "upgrade\nis due.\n\n"
            "options:\n"
            "  --db CONNINFO  libpq connection string (default: "
            "$SMARTOFFICE_DB,\n"
            "                 else libpq's PG* variables)\n"
            "  --help         this text\n\n"
            "Schema files are read from $SMARTOFFICE_SCHEMAS, else the "
            "source\ntree's schemas/ beside the binary, else %s.\n",
            cli_progname, cli_progname, cli_progname, SCHEMA_NEWEST,
            SCHEMA_NEWEST, CLI_SCHEMAS_DIR);
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

/* Writes the path of the schema file NAME to PATH; see db_usage(). */
static void schema_path(char *path, size_t len, const char *name)
{
    const char *env = getenv("SMARTOFFICE_SCHEMAS");
    char exe[PATH_MAX];
    ssize_t n;

    if (env != NULL && env[0] != '\0') {
        snprintf(path, len, "%s/%s", env, name);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        /* build/bin/smartoffice -> build/bin/../../schemas */
        snprintf(path, len, "%s/../../schemas/%s", dirname(exe), name);
        if (file_exists(path))
            return;
    }
    snprintf(path, len, "%s/%s", CLI_SCHEMAS_DIR, name);
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

/*
 * Runs the schema file NAME (which holds its own BEGIN and COMMIT) for the
 * step WHAT. Returns CLI_EXIT_OK, CLI_EXIT_INPUT when the file cannot be
 * read, or CLI_EXIT_DB after printing where it failed.
 */
static int run_schema_file(struct st_db *db, const char *name, const char *what)
{
    char path[PATH_MAX + 64];
    char *script;
    long pos;
    int rc = CLI_EXIT_OK;

    schema_path(path, sizeof(path), name);
    script = read_file(path);
    if (script == NULL)
        return CLI_EXIT_INPUT;
    if (st_db_run_script(db, what, script, &pos) != ST_OK) {
        if (pos > 0)
            fprintf(stderr, "%s: %s:%ld: %s\n", cli_progname, path,
                    line_of(script, pos), st_db_error(db));
        else
            fprintf(stderr, "%s: %s: %s\n", cli_progname, path,
                    st_db_error(db));
        rc = CLI_EXIT_DB;
    }
    free(script);
    return rc;
}

static int db_init(struct st_db *db)
{
    char name[64];
    bool exists;
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
    snprintf(name, sizeof(name), "install-%d.sql", SCHEMA_NEWEST);
    rc = run_schema_file(db, name, "applying the schema");
    if (rc == CLI_EXIT_OK)
        printf("installed schema version %d in database '%s'\n", SCHEMA_NEWEST,
               PQdb(st_db_conn(db)));
    return rc;
}

/*
 * Reads the installed schema version into *VERSION (0 when the version
 * table is empty). Returns CLI_EXIT_OK, CLI_EXIT_INPUT when the database
 * is not initialised, or CLI_EXIT_DB, after printing why.
 */
static int installed_version(struct st_db *db, long *version)
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
    *version =
        PQgetisnull(res, 0, 0) ? 0 : strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return CLI_EXIT_OK;
}

static int db_upgrade(struct st_db *db)
{
    char name[64], what[64];
    long version;
    int rc;

    rc = installed_version(db, &version);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (version < 1 || version > SCHEMA_NEWEST) {
        fprintf(stderr,
                "%s: database '%s' has schema version %ld, which this "
                "build cannot upgrade (it knows 1 to %d); nothing done\n",
                cli_progname, PQdb(st_db_conn(db)), version, SCHEMA_NEWEST);
        return CLI_EXIT_INPUT;
    }
    if (version == SCHEMA_NEWEST) {
        printf("schema version %ld is the newest; nothing to do\n", version);
        return CLI_EXIT_OK;
    }
    for (; version < SCHEMA_NEWEST; version++) {
        snprintf(name, sizeof(name), "upgrade-%ld-%ld.sql", version,
                 version + 1);
        snprintf(what, sizeof(what), "upgrading from version %ld", version);
        rc = run_schema_file(db, name, what);
        if (rc != CLI_EXIT_OK) {
            fprintf(stderr, "%s: database '%s' stays at schema version %ld\n",
                    cli_progname, PQdb(st_db_conn(db)), version);
            return rc;
        }
        printf("upgraded schema version %ld to %ld in database '%s'\n", version,
               version + 1, PQdb(st_db_conn(db)));
    }
    return CLI_EXIT_OK;
}

static int db_status(struct st_db *db)
{
    long version;
    int rc;

    rc = installed_version(db, &version);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (version == 0)
        printf("schema version none\n");
    else if (version < SCHEMA_NEWEST)
        printf("schema version %ld; upgrade to version %d due: run '%s db "
               "upgrade'\n",
               version, SCHEMA_NEWEST, cli_progname);
    else if (version == SCHEMA_NEWEST)
        printf("schema version %ld (the newest)\n", version);
    else
        printf("schema version %ld, newer than this build (%d)\n", version,
               SCHEMA_NEWEST);
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
        return usage_error("no subcommand given (init, upgrade or status)",
                           NULL);
    if (strcmp(sub, "init") != 0 && strcmp(sub, "upgrade") != 0 &&
        strcmp(sub, "status") != 0)
        return usage_error("unknown subcommand", sub);
    rc = cli_db_connect(conninfo, &db);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(sub, "init") == 0)
        rc = db_init(db);
    else if (strcmp(sub, "upgrade") == 0)
        rc = db_upgrade(db);
    else
        rc = db_status(db);
    st_db_free(db);
    return rc;
}
