/*
 * so_gate.h - the rollout's login gate: may this person use Smart Office
 * now, and if not, why (in English and Urdu).
 *
 * The host binding gathers the facts from its directory snapshot (never
 * from the database on the login path) and asks so_gate_decide(). The
 * rules, in order (docs/modules/rollout.md):
 *   1. an account the rollout closed (deprovisioned) is refused;
 *   2. a person exception (an admin, a service account) is admitted,
 *      unless the directory has the person suspended or retired;
 *   3. a person the directory does not know is refused;
 *   4. a person not active (on leave, suspended, retired) is refused;
 *   5. a unit exception (a ministry's headquarters staff wherever they
 *      sit) is admitted;
 *   6. staff of a live city, or of a city in its pilot, are admitted;
 *   7. staff of a planned or paused city are refused.
 */
#ifndef SO_GATE_H
#define SO_GATE_H

#include <stdbool.h>
#include <stddef.h>

enum so_emp_status {
    SO_EMP_ACTIVE = 0,
    SO_EMP_ON_LEAVE,
    SO_EMP_SUSPENDED,
    SO_EMP_RETIRED,
};

enum so_city_state {
    SO_CITY_PLANNED = 0,
    SO_CITY_PILOT,
    SO_CITY_LIVE,
    SO_CITY_PAUSED,
};

enum so_account_state {
    SO_ACCOUNT_NONE = 0, /* not created by the rollout (made by hand) */
    SO_ACCOUNT_PROVISIONED,
    SO_ACCOUNT_ACTIVE,
    SO_ACCOUNT_DEPROVISIONED,
};

/* What the gate knows of one person. */
struct so_gate_input {
    bool in_directory;
    enum so_emp_status status;     /* when in_directory */
    enum so_city_state city_state; /* when in_directory */
    bool unit_exception;           /* their unit or one above has one */
    bool person_exception;         /* their JID has one */
    enum so_account_state account;
};

enum so_gate {
    SO_GATE_ALLOW = 0,
    SO_GATE_CLOSED,  /* the rollout deprovisioned the account */
    SO_GATE_UNKNOWN, /* not in the directory */
    SO_GATE_ON_LEAVE,
    SO_GATE_SUSPENDED,
    SO_GATE_RETIRED,
    SO_GATE_PLANNED, /* the city is not live yet */
    SO_GATE_PAUSED,  /* the city's rollout is paused */
};

/* The verdict for IN. Pure; costs a few comparisons. */
enum so_gate so_gate_decide(const struct so_gate_input *in);

/* "allow", "closed", "unknown", ... (for logs and audit). Static. */
const char *so_gate_str(enum so_gate gate);

/* Parse the directory's words ("active", "on_leave", ...; "planned",
 * "pilot", "live", "paused"; "provisioned", "active", "deprovisioned").
 * Return -1 for anything else. */
int so_emp_status_parse(const char *s);
int so_city_state_parse(const char *s);
int so_account_state_parse(const char *s);

/*
 * Writes the reason for a refusal GATE as one sentence in LANG ("en" or
 * "ur"; anything else is English) to BUF, naming CITY (in that language;
 * may be NULL or "") and its rollout PHASE where they matter. Returns
 * the length the full text needs, as snprintf does; 0 for SO_GATE_ALLOW.
 * When LEN is too small BUF holds "" (never half a character).
 */
size_t so_gate_text(enum so_gate gate, const char *lang, const char *city,
                    int phase, char *buf, size_t len);

#endif
