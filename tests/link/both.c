/*
 * both.c: a program that links libcivis and the civis-mock server core
 * together (make check-exports). It only links and runs if no name of the
 * server (cmock_*, civis__sim_*) means something else in libcivis, which
 * is what lets a test harness embed both.
 */
#include <stdio.h>

#include "civis.h"
#include "civis/mock.h"

#include "../../mockserver/src/mock.h"

int main(void)
{
    /* Take the address of one entry point of each, so neither is dropped. */
    void (*pipeline)(cmock_server *, const cmock_request *, cmock_reply *, cmock_outcome *) =
        cmock__pipeline;
    civis_status (*mock_new)(civis_mock **, const civis_mock_options *, civis_error *) =
        civis_mock_new;
    printf("libcivis and the civis-mock core link together: %s\n",
           pipeline != NULL && mock_new != NULL ? "yes" : "no");
    return 0;
}
