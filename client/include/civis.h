/*
 * civis.h: everything libcivis offers, in one include.
 *
 *   civis/error.h      status codes and the per-call civis_error
 *   civis/spec.h       the spec engine (operation index, validation)
 *   civis/client.h     civis_client, civis_call, civis_args, CIVIS_VERSION
 *   civis/response.h   civis_response getters, civis_find
 *   civis/paginate.h   civis_pager over paginated list operations
 *   civis/helpers.h    database / table / credential / user lookups
 *   civis/future.h     civis_future: following runs, waiting on many at once
 *   civis/jobs.h       run_job, run_template, run outputs, job_logs
 *   civis/files.h      file_to_civis / civis_to_file (presigned and multipart)
 *
 * Implementors of transports and fakes include the civis/sys/ headers themselves.
 */
#ifndef CIVIS_H
#define CIVIS_H

#include "civis/error.h"
#include "civis/spec.h"
#include "civis/client.h"
#include "civis/response.h"
#include "civis/paginate.h"
#include "civis/helpers.h"
#include "civis/future.h"
#include "civis/jobs.h"
#include "civis/files.h"

#endif /* CIVIS_H */
