/*
 * sim_quota.c: how many bytes one API key's state may hold
 * (--state-max-bytes). Past the budget a storage upload gets 507, so a test
 * that uploads without end fills its own budget, not the machine's memory
 * or disk.
 *
 * Usage is counted when asked, from the objects themselves, rather than
 * kept as a running total: deletes, resets and multipart assembly then need
 * no bookkeeping. Counting is linear in the key's objects, and runs once
 * when an upload starts and once when it is attached.
 */
#include <stdint.h>

#include "sim.h"

static uint64_t blob_bytes(const sim_blob *b)
{
    return b != NULL ? b->size : 0;
}

uint64_t civis__sim_space_bytes(const sim_space *space)
{
    uint64_t total = 0;
    for (size_t i = 0; space != NULL && i < space->n_objs; i++) {
        const sim_obj *obj = space->objs[i];
        if (obj == NULL || obj->file == NULL)
            continue;
        total += blob_bytes(obj->file->blob);
        for (unsigned p = 0; obj->file->parts != NULL && p < obj->file->n_parts; p++)
            total += blob_bytes(obj->file->parts[p]);
    }
    return total;
}

uint64_t civis__sim_quota_left(const civis_sim *sim, const sim_space *space)
{
    if (sim->max_bytes == 0)
        return UINT64_MAX;
    uint64_t used = civis__sim_space_bytes(space);
    return used >= sim->max_bytes ? 0 : sim->max_bytes - used;
}

bool civis__sim_quota_allows(const civis_sim *sim, const sim_space *space, uint64_t old_bytes,
                             uint64_t new_bytes)
{
    if (sim->max_bytes == 0 || new_bytes <= old_bytes)
        return true;
    return civis__sim_quota_left(sim, space) >= new_bytes - old_bytes;
}
