/*
 * Test fixture: a PKCS#11 module that forwards every call to SoftHSM2 and adds the user-PIN lockout
 * SoftHSM 2.6 lacks (it only ever sets "count low"). After PINLOCK_TRIES (default 3) wrong user PINs
 * on a slot, C_Login answers CKR_PIN_LOCKED for that slot and C_GetTokenInfo sets CKF_USER_PIN_LOCKED
 * (and COUNT_LOW / FINAL_TRY on the way there); C_InitPIN by the SO unblocks. PINLOCK_START_WRONG=N
 * makes every slot start with N wrong tries counted, so another process (the CLI) sees a locked PIN. Real tokens and the
 * virtual PIV card (through OpenSC) do this themselves; this lets the PKCS#11 layer's handling of a
 * locked PIN be tested on SoftHSM.
 *
 * Built by the tests: cc -shared -fPIC $(pkg-config --cflags p11-kit-1) pinlock-module.c -o pinlock.so -ldl
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <p11-kit/pkcs11.h>

#define MAX_SLOTS 64

static CK_FUNCTION_LIST *target;
static CK_FUNCTION_LIST wrapped;
static pthread_mutex_t guard = PTHREAD_MUTEX_INITIALIZER;
static struct { CK_SLOT_ID slot; int wrong; int used; } counters[MAX_SLOTS];
static int tries_allowed = 3;
static int start_wrong = 0; /* PINLOCK_START_WRONG: wrong tries every slot starts with (3 = locked) */

static int *wrong_count(CK_SLOT_ID slot) {
    for (int i = 0; i < MAX_SLOTS; i++)
        if (counters[i].used && counters[i].slot == slot) return &counters[i].wrong;
    for (int i = 0; i < MAX_SLOTS; i++)
        if (!counters[i].used) { counters[i].used = 1; counters[i].slot = slot; counters[i].wrong = start_wrong; return &counters[i].wrong; }
    return &counters[0].wrong;
}

static CK_RV slot_of(CK_SESSION_HANDLE session, CK_SLOT_ID *slot) {
    CK_SESSION_INFO info;
    CK_RV rv = target->C_GetSessionInfo(session, &info);
    if (rv == CKR_OK) *slot = info.slotID;
    return rv;
}

static CK_RV fixture_Initialize(void *args) {
    CK_RV rv = target->C_Initialize(args);
    /* The test process may already have SoftHSM loaded directly: share it. */
    return rv == CKR_CRYPTOKI_ALREADY_INITIALIZED ? CKR_OK : rv;
}

static CK_RV fixture_Finalize(void *reserved) {
    (void)reserved;
    return CKR_OK; /* never finalise the shared SoftHSM under the direct user's feet */
}

static CK_RV fixture_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len) {
    CK_SLOT_ID slot = 0;
    if (user != CKU_USER || slot_of(session, &slot) != CKR_OK) return target->C_Login(session, user, pin, len);
    pthread_mutex_lock(&guard);
    int *wrong = wrong_count(slot);
    if (*wrong >= tries_allowed) { pthread_mutex_unlock(&guard); return CKR_PIN_LOCKED; }
    CK_RV rv = target->C_Login(session, user, pin, len);
    if (rv == CKR_PIN_INCORRECT) {
        (*wrong)++;
        if (*wrong >= tries_allowed) rv = CKR_PIN_LOCKED;
    } else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
        *wrong = 0;
    }
    pthread_mutex_unlock(&guard);
    return rv;
}

static CK_RV fixture_InitPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR *pin, CK_ULONG len) {
    CK_RV rv = target->C_InitPIN(session, pin, len);
    CK_SLOT_ID slot;
    if (rv == CKR_OK && slot_of(session, &slot) == CKR_OK) {
        pthread_mutex_lock(&guard);
        *wrong_count(slot) = 0;
        pthread_mutex_unlock(&guard);
    }
    return rv;
}

static CK_RV fixture_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info) {
    CK_RV rv = target->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK) return rv;
    pthread_mutex_lock(&guard);
    int wrong = *wrong_count(slot);
    pthread_mutex_unlock(&guard);
    info->flags &= ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (wrong >= tries_allowed) info->flags |= CKF_USER_PIN_LOCKED;
    else if (wrong == tries_allowed - 1) info->flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
    else if (wrong > 0) info->flags |= CKF_USER_PIN_COUNT_LOW;
    return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list) {
    if (list == NULL) return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&guard);
    if (target == NULL) {
        const char *path = getenv("PINLOCK_TARGET");
        const char *tries = getenv("PINLOCK_TRIES");
        if (tries != NULL && atoi(tries) > 0) tries_allowed = atoi(tries);
        const char *start = getenv("PINLOCK_START_WRONG");
        if (start != NULL && atoi(start) > 0) start_wrong = atoi(start);
        void *lib = dlopen(path ? path : "/usr/lib/softhsm/libsofthsm2.so", RTLD_NOW | RTLD_LOCAL);
        CK_RV (*get)(CK_FUNCTION_LIST **) = lib ? (CK_RV (*)(CK_FUNCTION_LIST **))dlsym(lib, "C_GetFunctionList") : NULL;
        if (get == NULL || get(&target) != CKR_OK) { pthread_mutex_unlock(&guard); return CKR_GENERAL_ERROR; }
        wrapped = *target;
        wrapped.C_Initialize = fixture_Initialize;
        wrapped.C_Finalize = fixture_Finalize;
        wrapped.C_Login = fixture_Login;
        wrapped.C_InitPIN = fixture_InitPIN;
        wrapped.C_GetTokenInfo = fixture_GetTokenInfo;
    }
    pthread_mutex_unlock(&guard);
    *list = &wrapped;
    return CKR_OK;
}
