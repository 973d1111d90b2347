/*
 * so_gate.c - the rollout's login gate; see so_gate.h for the rules.
 */
#include <stdio.h>
#include <string.h>

#include "so_gate.h"

enum so_gate so_gate_decide(const struct so_gate_input *in)
{
    bool gone;

    if (in->account == SO_ACCOUNT_DEPROVISIONED)
        return SO_GATE_CLOSED;
    gone = in->in_directory &&
           (in->status == SO_EMP_SUSPENDED || in->status == SO_EMP_RETIRED);
    if (in->person_exception && !gone)
        return SO_GATE_ALLOW;
    if (!in->in_directory)
        return SO_GATE_UNKNOWN;
    switch (in->status) {
    case SO_EMP_ACTIVE:
        break;
    case SO_EMP_ON_LEAVE:
        return SO_GATE_ON_LEAVE;
    case SO_EMP_SUSPENDED:
        return SO_GATE_SUSPENDED;
    default:
        return SO_GATE_RETIRED;
    }
    if (in->unit_exception)
        return SO_GATE_ALLOW;
    switch (in->city_state) {
    case SO_CITY_LIVE:
    case SO_CITY_PILOT:
        return SO_GATE_ALLOW;
    case SO_CITY_PAUSED:
        return SO_GATE_PAUSED;
    default:
        return SO_GATE_PLANNED;
    }
}

static const char *const gate_names[] = {
    [SO_GATE_ALLOW] = "allow",         [SO_GATE_CLOSED] = "closed",
    [SO_GATE_UNKNOWN] = "unknown",     [SO_GATE_ON_LEAVE] = "on-leave",
    [SO_GATE_SUSPENDED] = "suspended", [SO_GATE_RETIRED] = "retired",
    [SO_GATE_PLANNED] = "planned",     [SO_GATE_PAUSED] = "paused",
};

const char *so_gate_str(enum so_gate gate)
{
    if ((size_t)gate >= sizeof(gate_names) / sizeof(gate_names[0]))
        return "?";
    return gate_names[gate];
}

/* The index of S in the NULL-terminated WORDS, or -1. */
static int word_index(const char *s, const char *const *words)
{
    int i;

    if (s == NULL)
        return -1;
    for (i = 0; words[i] != NULL; i++)
        if (strcmp(s, words[i]) == 0)
            return i;
    return -1;
}

int so_emp_status_parse(const char *s)
{
    static const char *const words[] = {"active", "on_leave", "suspended",
                                        "retired", NULL};

    return word_index(s, words);
}

int so_city_state_parse(const char *s)
{
    static const char *const words[] = {"planned", "pilot", "live", "paused",
                                        NULL};

    return word_index(s, words);
}

int so_account_state_parse(const char *s)
{
    static const char *const words[] = {"", "provisioned", "active",
                                        "deprovisioned", NULL};
    int i = word_index(s, words);

    return i == 0 ? -1 : i;
}

/* The texts of each refusal; "{city}" stands for the city, "{phase}" for
 * the phase. */
struct gate_text {
    const char *en;
    const char *ur;
};

static const struct gate_text gate_texts[] = {
    [SO_GATE_CLOSED] = {"This Smart Office account has been closed. Ask "
                        "your office's IT staff if you think this is "
                        "wrong.",
                        "یہ سمارٹ آفس اکاؤنٹ بند کر دیا گیا ہے۔ "
                        "اگر یہ غلط ہے تو اپنے دفتر کے آئی ٹی "
                        "عملے سے رابطہ کریں۔"},
    [SO_GATE_UNKNOWN] = {"This account is not in the government "
                         "directory, so it cannot use Smart Office.",
                         "یہ اکاؤنٹ سرکاری ڈائریکٹری میں موجود "
                         "نہیں، اس لیے سمارٹ آفس استعمال نہیں "
                         "کر سکتا۔"},
    [SO_GATE_ON_LEAVE] = {"The directory lists you as on leave; Smart "
                          "Office opens again when you are back on duty.",
                          "ڈائریکٹری کے مطابق آپ چھٹی پر ہیں؛ "
                          "ڈیوٹی پر واپسی پر سمارٹ آفس دوبارہ "
                          "کھل جائے گا۔"},
    [SO_GATE_SUSPENDED] = {"This account is suspended.", "یہ اکاؤنٹ معطل ہے۔"},
    [SO_GATE_RETIRED] = {"The directory lists you as retired from the "
                         "service, so this account no longer works.",
                         "ڈائریکٹری کے مطابق آپ ملازمت سے ریٹائر "
                         "ہو چکے ہیں، اس لیے یہ اکاؤنٹ اب کام "
                         "نہیں کرتا۔"},
    [SO_GATE_PLANNED] = {"Smart Office opens in {city} in phase {phase}.",
                         "سمارٹ آفس {city} میں مرحلہ {phase} میں "
                         "شروع ہوگا۔"},
    [SO_GATE_PAUSED] = {"Smart Office is paused in {city} for now.",
                        "سمارٹ آفس {city} میں فی الحال روک دیا "
                        "گیا ہے۔"},
};

/* Appends N bytes of S to BUF (LEN bytes) at *AT, as far as they fit
 * with a NUL; *AT counts every byte, fitting or not. */
static void put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
    if (*at < len) {
        size_t room = len - *at - 1;

        memcpy(buf + *at, s, n < room ? n : room);
        buf[*at + (n < room ? n : room)] = '\0';
    }
    *at += n;
}

size_t so_gate_text(enum so_gate gate, const char *lang, const char *city,
                    int phase, char *buf, size_t len)
{
    const char *p;
    bool urdu = lang != NULL && strncmp(lang, "ur", 2) == 0 &&
                (lang[2] == '\0' || lang[2] == '-');
    char num[16];
    size_t at = 0;

    if (len > 0)
        buf[0] = '\0';
    if (gate == SO_GATE_ALLOW ||
        (size_t)gate >= sizeof(gate_texts) / sizeof(gate_texts[0]))
        return 0;
    if (city == NULL || city[0] == '\0')
        city = urdu ? "آپ کے شہر" : "your city";
    snprintf(num, sizeof(num), "%d", phase);
    for (p = urdu ? gate_texts[gate].ur : gate_texts[gate].en; *p != '\0';) {
        if (strncmp(p, "{city}", 6) == 0) {
            put(buf, len, &at, city, strlen(city));
            p += 6;
        } else if (strncmp(p, "{phase}", 7) == 0) {
            put(buf, len, &at, num, strlen(num));
            p += 7;
        } else {
            put(buf, len, &at, p, 1);
            p++;
        }
    }
    /* never half a character: a text that does not fit is left out */
    if (at >= len && len > 0)
        buf[0] = '\0';
    return at;
}
