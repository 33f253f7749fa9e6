// CRC-32C (Castagnoli), the checksum TFRecord framing uses.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lever {

// Chainable: crc32c(b, nb, crc32c(a, na)) == crc32c of a followed by b.
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

// The masked form TFRecord stores, so a CRC of data that itself holds CRCs stays well mixed.
uint32_t masked_crc32c(const void* data, size_t n);

}  // namespace lever
