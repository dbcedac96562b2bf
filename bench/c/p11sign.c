/*
 * p11sign - C reference for the TokenCert PKCS#11 signing benchmark.
 *
 * Build:
 *   cc -O2 $(pkg-config --cflags p11-kit-1) p11sign.c -o p11sign -ldl -lcrypto
 *
 * Usage:
 *   P11SIGN_PIN=... p11sign MODULE_PATH TOKEN_LABEL KEY_ID_HEX ALG N [WARMUP]
 *
 *   ALG     rsa          -> C_SignInit(CKM_SHA256_RSA_PKCS) + C_Sign over the message
 *                           (the token hashes)
 *           rsa-pkcs     -> SHA256() in OpenSSL, then C_SignInit(CKM_RSA_PKCS) + C_Sign
 *                           over the 51-byte DigestInfo (hashing is inside the timed loop)
 *           ecdsa        -> SHA256() in OpenSSL, then C_SignInit(CKM_ECDSA) + C_Sign
 *                           over the 32-byte digest (hashing is inside the timed loop)
 *           ecdsa-sha256 -> C_SignInit(CKM_ECDSA_SHA256) + C_Sign over the message
 *                           (the token hashes)
 *           These are the four plans TokenCert's signingPlan(for:algorithm:) chooses from for
 *           RSA PKCS#1 v1.5 SHA-256 and ECDSA SHA-256; the benchmark passes the one it chose.
 *   N       number of timed signatures (> 0)
 *   WARMUP  untimed signatures performed before the timed loop (default 50)
 *
 * The message is a fixed 64-byte buffer holding the bytes 0..63.
 * The user PIN is read from the environment variable P11SIGN_PIN only.
 * With P11SIGN_HOLD=1 in the environment, after printing its result p11sign reads its standard input
 * to end-of-file before logging out and finalising: the caller can look at the processes of the run
 * (the module's daemons, a p11-kit server's child serving this connection) while they are still there.
 *
 * Output on success (stdout, exactly one line):
 *   ops=N seconds=S ops_per_sec=R sig_len=L cpu_seconds=C
 *   (C: this process's CPU time, user + system, over the timed loop; a module that works in another
 *   process — a daemon, a remote server — spends CPU there that C does not count)
 *
 * Exit status: 0 on success, 1 on usage errors, 2 on any runtime failure
 * (a CK_RV other than CKR_OK is reported as "p11sign: C_xxx failed: 0x...").
 */

#define _POSIX_C_SOURCE 200809L

#include <p11-kit/pkcs11.h>

#include <openssl/sha.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSG_LEN 64
#define SIG_BUF_LEN 512
#define LABEL_LEN 32
#define MAX_ID_LEN 256
#define DEFAULT_WARMUP 50UL

enum alg { ALG_RSA, ALG_RSA_PKCS, ALG_ECDSA, ALG_ECDSA_SHA256 };

/* DER DigestInfo prefix for SHA-256 (RFC 8017, section 9.2, note 1). */
static const unsigned char SHA256_DIGEST_INFO_PREFIX[19] = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

/* State used for best-effort cleanup when a call fails. */
static void *g_dl;
static CK_FUNCTION_LIST_PTR g_p11;
static int g_initialized;
static int g_logged_in;
static CK_SESSION_HANDLE g_session = CK_INVALID_HANDLE;

static void cleanup(void)
{
    if (g_p11 != NULL) {
        if (g_logged_in)
            (void)g_p11->C_Logout(g_session);
        if (g_session != CK_INVALID_HANDLE)
            (void)g_p11->C_CloseSession(g_session);
        if (g_initialized)
            (void)g_p11->C_Finalize(NULL);
    }
    g_logged_in = 0;
    g_session = CK_INVALID_HANDLE;
    g_initialized = 0;
    g_p11 = NULL;
    if (g_dl != NULL) {
        dlclose(g_dl);
        g_dl = NULL;
    }
}

static void die(const char *msg)
{
    fprintf(stderr, "p11sign: %s\n", msg);
    cleanup();
    exit(2);
}

static void check(const char *fn, CK_RV rv)
{
    if (rv != CKR_OK) {
        fprintf(stderr, "p11sign: %s failed: 0x%08lx\n", fn, (unsigned long)rv);
        cleanup();
        exit(2);
    }
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s MODULE_PATH TOKEN_LABEL KEY_ID_HEX ALG N [WARMUP]\n"
            "  ALG is 'rsa', 'rsa-pkcs', 'ecdsa' or 'ecdsa-sha256'; N > 0; WARMUP >= 0 (default %lu)\n"
            "  the user PIN is read from the environment variable P11SIGN_PIN\n",
            prog, DEFAULT_WARMUP);
    exit(1);
}

/* Parse a decimal count; returns 0 on success. */
static int parse_count(const char *s, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse KEY_ID_HEX (optionally prefixed by 0x, even length) into bytes. */
static int parse_hex(const char *s, unsigned char *out, size_t cap, size_t *out_len)
{
    size_t len, i;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    len = strlen(s);
    if (len == 0 || len % 2 != 0 || len / 2 > cap)
        return -1;
    for (i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 * i]);
        int lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)((hi << 4) | lo);
    }
    *out_len = len / 2;
    return 0;
}

static CK_SLOT_ID find_slot(const char *label)
{
    unsigned char want[LABEL_LEN];
    size_t label_len = strlen(label);
    CK_SLOT_ID_PTR slots = NULL;
    CK_ULONG count = 0, i;
    CK_RV rv;

    memset(want, ' ', sizeof(want));
    memcpy(want, label, label_len);

    for (;;) {
        rv = g_p11->C_GetSlotList(CK_TRUE, NULL, &count);
        check("C_GetSlotList", rv);
        if (count == 0)
            break;
        free(slots);
        slots = calloc(count, sizeof(*slots));
        if (slots == NULL)
            die("out of memory");
        rv = g_p11->C_GetSlotList(CK_TRUE, slots, &count);
        if (rv == CKR_BUFFER_TOO_SMALL)
            continue; /* slot list grew in between; retry */
        check("C_GetSlotList", rv);
        break;
    }

    for (i = 0; i < count; i++) {
        CK_TOKEN_INFO info;

        rv = g_p11->C_GetTokenInfo(slots[i], &info);
        if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED)
            continue;
        check("C_GetTokenInfo", rv);
        if (memcmp(info.label, want, LABEL_LEN) == 0) {
            CK_SLOT_ID id = slots[i];
            free(slots);
            return id;
        }
    }
    free(slots);
    fprintf(stderr, "p11sign: no token with label '%s' found\n", label);
    cleanup();
    exit(2);
}

static CK_OBJECT_HANDLE find_key(const unsigned char *id, size_t id_len)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[2];
    CK_OBJECT_HANDLE found[2];
    CK_ULONG nfound = 0;
    CK_RV rv;

    tmpl[0].type = CKA_CLASS;
    tmpl[0].pValue = &cls;
    tmpl[0].ulValueLen = sizeof(cls);
    tmpl[1].type = CKA_ID;
    tmpl[1].pValue = (void *)id;
    tmpl[1].ulValueLen = (CK_ULONG)id_len;

    rv = g_p11->C_FindObjectsInit(g_session, tmpl, 2);
    check("C_FindObjectsInit", rv);
    rv = g_p11->C_FindObjects(g_session, found, 2, &nfound);
    if (rv != CKR_OK) {
        (void)g_p11->C_FindObjectsFinal(g_session);
        check("C_FindObjects", rv);
    }
    rv = g_p11->C_FindObjectsFinal(g_session);
    check("C_FindObjectsFinal", rv);

    if (nfound == 0)
        die("no private key with the given CKA_ID found");
    if (nfound > 1)
        fprintf(stderr, "p11sign: warning: several private keys match; using the first\n");
    return found[0];
}

/* One signature; returns the signature length. */
static CK_ULONG sign_once(enum alg alg, CK_OBJECT_HANDLE key,
                          const unsigned char *msg, unsigned char *sig)
{
    CK_MECHANISM mech;
    CK_ULONG sig_len = SIG_BUF_LEN;
    CK_RV rv;
    unsigned char input[sizeof(SHA256_DIGEST_INFO_PREFIX) + SHA256_DIGEST_LENGTH];
    const unsigned char *data = msg;
    CK_ULONG data_len = MSG_LEN;

    mech.pParameter = NULL;
    mech.ulParameterLen = 0;

    switch (alg) {
    case ALG_RSA:
        mech.mechanism = CKM_SHA256_RSA_PKCS;
        break;
    case ALG_ECDSA_SHA256:
        mech.mechanism = CKM_ECDSA_SHA256;
        break;
    case ALG_RSA_PKCS:
        memcpy(input, SHA256_DIGEST_INFO_PREFIX, sizeof(SHA256_DIGEST_INFO_PREFIX));
        if (SHA256(msg, MSG_LEN, input + sizeof(SHA256_DIGEST_INFO_PREFIX)) == NULL)
            die("SHA256 failed");
        mech.mechanism = CKM_RSA_PKCS;
        data = input;
        data_len = sizeof(input);
        break;
    case ALG_ECDSA:
        if (SHA256(msg, MSG_LEN, input) == NULL)
            die("SHA256 failed");
        mech.mechanism = CKM_ECDSA;
        data = input;
        data_len = SHA256_DIGEST_LENGTH;
        break;
    }
    rv = g_p11->C_SignInit(g_session, &mech, key);
    check("C_SignInit", rv);
    rv = g_p11->C_Sign(g_session, (CK_BYTE_PTR)data, data_len, sig, &sig_len);
    check("C_Sign", rv);
    return sig_len;
}

int main(int argc, char **argv)
{
    const char *module_path, *token_label, *key_id_hex, *alg_name, *pin;
    unsigned char key_id[MAX_ID_LEN];
    size_t key_id_len = 0;
    unsigned long n = 0, warmup = DEFAULT_WARMUP, i;
    enum alg alg;
    CK_C_GetFunctionList get_function_list;
    CK_C_INITIALIZE_ARGS init_args;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE key;
    CK_RV rv;
    unsigned char msg[MSG_LEN];
    unsigned char sig[SIG_BUF_LEN];
    CK_ULONG sig_len = 0;
    struct timespec t0, t1, c0, c1;
    double seconds, ops_per_sec, cpu_seconds;

    if (argc != 6 && argc != 7)
        usage(argv[0]);

    module_path = argv[1];
    token_label = argv[2];
    key_id_hex = argv[3];
    alg_name = argv[4];

    if (token_label[0] == '\0' || strlen(token_label) > LABEL_LEN) {
        fprintf(stderr, "p11sign: TOKEN_LABEL must be 1..%d bytes\n", LABEL_LEN);
        usage(argv[0]);
    }
    if (parse_hex(key_id_hex, key_id, sizeof(key_id), &key_id_len) != 0) {
        fprintf(stderr, "p11sign: KEY_ID_HEX must be a non-empty, even-length hex string\n");
        usage(argv[0]);
    }
    if (strcmp(alg_name, "rsa") == 0) {
        alg = ALG_RSA;
    } else if (strcmp(alg_name, "rsa-pkcs") == 0) {
        alg = ALG_RSA_PKCS;
    } else if (strcmp(alg_name, "ecdsa") == 0) {
        alg = ALG_ECDSA;
    } else if (strcmp(alg_name, "ecdsa-sha256") == 0) {
        alg = ALG_ECDSA_SHA256;
    } else {
        fprintf(stderr, "p11sign: ALG must be 'rsa', 'rsa-pkcs', 'ecdsa' or 'ecdsa-sha256'\n");
        usage(argv[0]);
    }
    if (parse_count(argv[5], &n) != 0 || n == 0) {
        fprintf(stderr, "p11sign: N must be a positive integer\n");
        usage(argv[0]);
    }
    if (argc == 7 && parse_count(argv[6], &warmup) != 0) {
        fprintf(stderr, "p11sign: WARMUP must be a non-negative integer\n");
        usage(argv[0]);
    }
    pin = getenv("P11SIGN_PIN");
    if (pin == NULL) {
        fprintf(stderr, "p11sign: environment variable P11SIGN_PIN is not set\n");
        usage(argv[0]);
    }

    for (i = 0; i < MSG_LEN; i++)
        msg[i] = (unsigned char)i;

    g_dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (g_dl == NULL) {
        fprintf(stderr, "p11sign: dlopen failed: %s\n", dlerror());
        exit(2);
    }
    /* POSIX-sanctioned way to convert a data pointer to a function pointer. */
    *(void **)(&get_function_list) = dlsym(g_dl, "C_GetFunctionList");
    if (get_function_list == NULL)
        die("module does not export C_GetFunctionList");

    rv = get_function_list(&g_p11);
    if (rv != CKR_OK)
        g_p11 = NULL;
    check("C_GetFunctionList", rv);
    if (g_p11 == NULL)
        die("C_GetFunctionList returned a NULL function list");

    memset(&init_args, 0, sizeof(init_args));
    init_args.flags = CKF_OS_LOCKING_OK;
    rv = g_p11->C_Initialize(&init_args);
    check("C_Initialize", rv);
    g_initialized = 1;

    slot = find_slot(token_label);

    rv = g_p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &g_session);
    if (rv != CKR_OK)
        g_session = CK_INVALID_HANDLE;
    check("C_OpenSession", rv);

    rv = g_p11->C_Login(g_session, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
    if (rv != CKR_USER_ALREADY_LOGGED_IN)
        check("C_Login", rv);
    g_logged_in = 1;

    key = find_key(key_id, key_id_len);

    for (i = 0; i < warmup; i++)
        (void)sign_once(alg, key, msg, sig);

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0) != 0 || clock_gettime(CLOCK_MONOTONIC, &t0) != 0)
        die("clock_gettime failed");
    for (i = 0; i < n; i++)
        sig_len = sign_once(alg, key, msg, sig);
    if (clock_gettime(CLOCK_MONOTONIC, &t1) != 0 || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1) != 0)
        die("clock_gettime failed");

    seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ops_per_sec = seconds > 0.0 ? (double)n / seconds : 0.0;
    cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;

    printf("ops=%lu seconds=%.6f ops_per_sec=%.6f sig_len=%lu cpu_seconds=%.6f\n",
           n, seconds, ops_per_sec, (unsigned long)sig_len, cpu_seconds);
    fflush(stdout);

    {
        const char *hold = getenv("P11SIGN_HOLD");
        if (hold != NULL && strcmp(hold, "1") == 0) {
            char buf[64];
            while (fread(buf, 1, sizeof(buf), stdin) > 0)
                ;
        }
    }

    rv = g_p11->C_Logout(g_session);
    g_logged_in = 0;
    check("C_Logout", rv);
    rv = g_p11->C_CloseSession(g_session);
    g_session = CK_INVALID_HANDLE;
    check("C_CloseSession", rv);
    rv = g_p11->C_Finalize(NULL);
    g_initialized = 0;
    check("C_Finalize", rv);
    g_p11 = NULL;
    dlclose(g_dl);
    g_dl = NULL;
    return 0;
}
