/*
 * prose.c: the few rules the public spec states only in words. The index
 * reads them from a spec that has its prose (the public document, or a
 * download of GET /endpoints); civis-spec-extract reads them once, with
 * these same functions, and writes markers into the bundled spec instead
 * of the words (spec/tools/spec_extract.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

bool civis__prose_says(const char *text, const char *word)
{
    for (const char *p = text != NULL ? text : ""; *p; p++) {
        size_t i = 0;
        while (word[i] && tolower((unsigned char)p[i]) == word[i])
            i++;
        if (word[i] == '\0')
            return true;
    }
    return false;
}

civis_delete_effect civis__prose_delete_effect(const char *summary)
{
    if (civis__prose_says(summary, "archive"))
        return CIVIS_DELETE_ARCHIVES;
    if (civis__prose_says(summary, "hidden"))
        return CIVIS_DELETE_HIDES;
    return CIVIS_DELETE_REMOVES;
}

/* The number after `marker` in text ("Defaults to 20", "Defaults to its
 * maximum of 50", "Maximum allowed is 1000", "Default of 10000"); 0 when
 * absent. */
static long number_after(const char *text, const char *marker)
{
    const char *p = strstr(text, marker);
    if (p == NULL)
        return 0;
    p += strlen(marker);
    if (strncmp(p, "its maximum of ", 15) == 0)
        p += 15;
    if (!isdigit((unsigned char)*p))
        return 0;
    long v = strtol(p, NULL, 10);
    return v > 0 && v < 1000000 ? v : 0;
}

void civis__prose_page_rules(const char *limit_description, long *def, long *max)
{
    const char *d = limit_description != NULL ? limit_description : "";
    *def = number_after(d, "efaults to ");
    if (*def == 0)
        *def = number_after(d, "efault of ");
    *max = number_after(d, "aximum allowed is ");
    if (*max == 0)
        *max = number_after(d, "maximum of ");
}
