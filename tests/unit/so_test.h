/*
 * so_test.h - what every unit test program shares: the length of a case
 * table and the runner that turns a suite into an exit status.
 */
#ifndef SO_TEST_H
#define SO_TEST_H

#include <check.h>

/* The number of rows in a case table, as tcase_add_loop_test wants it. */
#define SO_TEST_COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Runs every test of s and frees it; returns 0 when all passed, else 1. */
static inline int so_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
