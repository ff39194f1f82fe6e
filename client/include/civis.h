/*
 * civis.h: everything libcivis offers, in one include.
 *
 *   civis/error.h      status codes and the per-call civis_error
 *   civis/spec.h       the spec engine (operation index, validation)
 *   civis/transport.h  the transport table (libcurl by default)
 *   civis/client.h     civis_client, civis_call, civis_args, CIVIS_VERSION
 *   civis/response.h   civis_response getters, civis_find
 *   civis/paginate.h   civis_pager over paginated list operations
 *   civis/helpers.h    database / table / credential / user lookups
 */
#ifndef CIVIS_H
#define CIVIS_H

#include "civis/error.h"
#include "civis/spec.h"
#include "civis/transport.h"
#include "civis/client.h"
#include "civis/response.h"
#include "civis/paginate.h"
#include "civis/helpers.h"

#endif /* CIVIS_H */
