/*
 * embed.c: turns a file into a C byte array at build time, so the bundled
 * spec is compiled into every binary and the tools run with no files present.
 *
 *   civis-embed FILE SYMBOL > out.c
 *
 * defines `const unsigned char SYMBOL[]` (NUL-terminated, so it can also be
 * read as a string) and `const size_t SYMBOL_len` (without the NUL).
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: civis-embed FILE SYMBOL\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        perror(argv[1]);
        return 2;
    }
    printf("/* generated from %s by civis-embed; do not edit */\n", argv[1]);
    printf("#include <stddef.h>\n");
    printf("const unsigned char %s[] = {\n", argv[2]);
    unsigned long n = 0;
    int c;
    while ((c = fgetc(in)) != EOF) {
        printf("%d,", c);
        if (++n % 24 == 0)
            putchar('\n');
    }
    if (ferror(in)) {
        perror(argv[1]);
        fclose(in);
        return 2;
    }
    fclose(in);
    printf("0};\nconst size_t %s_len = %lu;\n", argv[2], n);
    return 0;
}
