/*
 * Test fixture: a PKCS#11 module that forwards every call to SoftHSM2 and behaves like the modules
 * TokenCert must cope with, chosen per token by the start of the token's label:
 *
 *   "extractable…"  C_GenerateKeyPair makes the private key extractable and not sensitive whatever the
 *                   template says (a module TokenCert must refuse).
 *   "readonly…"     the token reports CKF_WRITE_PROTECTED; C_GenerateKeyPair, C_CreateObject and
 *                   C_DestroyObject answer CKR_TOKEN_WRITE_PROTECTED.
 *   "nokeygen…"     C_GenerateKeyPair answers CKR_FUNCTION_NOT_SUPPORTED (it still lists the mechanisms).
 *   "tpmlike…"      C_GenerateKeyPair answers CKR_GENERAL_ERROR when a template states CKA_ENCRYPT or
 *                   CKA_DECRYPT false (as tpm2-pkcs11 does after "attr mismatch").
 *
 * C_GetTokenInfo reports the manufacturer "TokenCert fixture", so TokenCert uses its generic profile
 * (and probes). Other tokens pass through unchanged. Built by the tests:
 *   cc -shared -fPIC $(pkg-config --cflags p11-kit-1) refusing-module.c -o refusing.so -ldl
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *target;
static CK_FUNCTION_LIST wrapped;
static pthread_mutex_t guard = PTHREAD_MUTEX_INITIALIZER;

enum mode { NORMAL, EXTRACTABLE, READONLY, NOKEYGEN, TPMLIKE };

static enum mode mode_of_slot(CK_SLOT_ID slot) {
    CK_TOKEN_INFO info;
    if (target->C_GetTokenInfo(slot, &info) != CKR_OK) return NORMAL;
    const char *label = (const char *)info.label;
    if (strncmp(label, "extractable", 11) == 0) return EXTRACTABLE;
    if (strncmp(label, "readonly", 8) == 0) return READONLY;
    if (strncmp(label, "nokeygen", 8) == 0) return NOKEYGEN;
    if (strncmp(label, "tpmlike", 7) == 0) return TPMLIKE;
    return NORMAL;
}

static enum mode mode_of_session(CK_SESSION_HANDLE session) {
    CK_SESSION_INFO info;
    if (target->C_GetSessionInfo(session, &info) != CKR_OK) return NORMAL;
    return mode_of_slot(info.slotID);
}

static CK_RV fixture_Initialize(void *args) {
    CK_RV rv = target->C_Initialize(args);
    return rv == CKR_CRYPTOKI_ALREADY_INITIALIZED ? CKR_OK : rv;
}

static CK_RV fixture_Finalize(void *reserved) {
    (void)reserved;
    return CKR_OK; /* never finalise a SoftHSM the process also uses directly */
}

static CK_RV fixture_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info) {
    CK_RV rv = target->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK) return rv;
    enum mode m = mode_of_slot(slot);
    if (m == NORMAL) return rv;
    memset(info->manufacturerID, ' ', sizeof info->manufacturerID);
    memcpy(info->manufacturerID, "TokenCert fixture", 17);
    if (m == READONLY) info->flags |= CKF_WRITE_PROTECTED;
    return rv;
}

static int states_false(CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type) {
    for (CK_ULONG i = 0; i < n; i++)
        if (t[i].type == type && t[i].ulValueLen == 1 && *(CK_BBOOL *)t[i].pValue == CK_FALSE) return 1;
    return 0;
}

static CK_RV fixture_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_ATTRIBUTE *pub, CK_ULONG npub,
                                     CK_ATTRIBUTE *priv, CK_ULONG npriv, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv) {
    switch (mode_of_session(s)) {
    case READONLY: return CKR_TOKEN_WRITE_PROTECTED;
    case NOKEYGEN: return CKR_FUNCTION_NOT_SUPPORTED;
    case TPMLIKE:
        if (states_false(pub, npub, CKA_ENCRYPT) || states_false(priv, npriv, CKA_DECRYPT)) return CKR_GENERAL_ERROR;
        return target->C_GenerateKeyPair(s, m, pub, npub, priv, npriv, hpub, hpriv);
    case EXTRACTABLE: {
        CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
        CK_ATTRIBUTE copy[64];
        CK_ULONG n = 0;
        for (CK_ULONG i = 0; i < npriv && n < 62; i++)
            if (priv[i].type != CKA_EXTRACTABLE && priv[i].type != CKA_SENSITIVE) copy[n++] = priv[i];
        copy[n++] = (CK_ATTRIBUTE){CKA_EXTRACTABLE, &yes, 1};
        copy[n++] = (CK_ATTRIBUTE){CKA_SENSITIVE, &no, 1};
        return target->C_GenerateKeyPair(s, m, pub, npub, copy, n, hpub, hpriv);
    }
    default: return target->C_GenerateKeyPair(s, m, pub, npub, priv, npriv, hpub, hpriv);
    }
}

static CK_RV fixture_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *h) {
    if (mode_of_session(s) == READONLY) return CKR_TOKEN_WRITE_PROTECTED;
    return target->C_CreateObject(s, t, n, h);
}

static CK_RV fixture_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h) {
    if (mode_of_session(s) == READONLY) return CKR_TOKEN_WRITE_PROTECTED;
    return target->C_DestroyObject(s, h);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list) {
    if (list == NULL) return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&guard);
    if (target == NULL) {
        const char *path = getenv("REFUSING_TARGET");
        void *lib = dlopen(path ? path : "/usr/lib/softhsm/libsofthsm2.so", RTLD_NOW | RTLD_LOCAL);
        CK_RV (*get)(CK_FUNCTION_LIST **) = lib ? (CK_RV (*)(CK_FUNCTION_LIST **))dlsym(lib, "C_GetFunctionList") : NULL;
        if (get == NULL || get(&target) != CKR_OK) { pthread_mutex_unlock(&guard); return CKR_GENERAL_ERROR; }
        wrapped = *target;
        wrapped.C_Initialize = fixture_Initialize;
        wrapped.C_Finalize = fixture_Finalize;
        wrapped.C_GetTokenInfo = fixture_GetTokenInfo;
        wrapped.C_GenerateKeyPair = fixture_GenerateKeyPair;
        wrapped.C_CreateObject = fixture_CreateObject;
        wrapped.C_DestroyObject = fixture_DestroyObject;
    }
    pthread_mutex_unlock(&guard);
    *list = &wrapped;
    return CKR_OK;
}
