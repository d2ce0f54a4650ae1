#ifndef CHARLSTM_FILE_MAPPING_H
#define CHARLSTM_FILE_MAPPING_H

#include <stddef.h>

/// Maps `length` bytes of the open file `descriptor` read-only, registered with the SIGBUS guard (see
/// file_mapping.c), and stores the first byte's address in `*base`. Returns the mapping's slot, or -1 (errno set)
/// when the file cannot be mapped or every slot is taken. The descriptor may be closed afterwards.
long charlstm_map_file(int descriptor, size_t length, const unsigned char **base);

/// Unregisters and unmaps the mapping in `slot`.
void charlstm_unmap_file(long slot);

/// How many pages of the mapping in `slot` could not be read because the file had shrunk under it (each was
/// replaced by zeros). Zero while the file is intact.
long charlstm_mapping_faults(long slot);

#endif
