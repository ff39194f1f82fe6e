#!/bin/sh
# Finds the Debian packages civis-c builds and tests with; installs the
# missing ones when run as root, otherwise prints the exact command to run.
missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need_pc libmicrohttpd libmicrohttpd-dev
need_pc libcurl libcurl4-openssl-dev
need_pc libcjson libcjson-dev
need_pc cunit libcunit1-dev
need_pc zlib zlib1g-dev
need_pc sqlite3 libsqlite3-dev
[ -f /usr/include/csv.h ] || missing="$missing libcsv-dev"
need_pc nettle nettle-dev
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
# make fuzz: clang and its libFuzzer runtime (make tsan uses gcc's).
command -v clang >/dev/null 2>&1 || missing="$missing clang"
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
    missing="$missing libclang-rt-14-dev"
command -v make >/dev/null 2>&1 || missing="$missing make"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
    exit $?
fi
echo "deps: missing Debian packages. Install them with:"
echo "  sudo apt-get install -y$missing"
exit 1
