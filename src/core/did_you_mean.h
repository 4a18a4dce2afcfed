#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The candidate closest to `input` by edit distance, or "" when none is close enough to be a
// plausible typo (more than a third of the word would have to change).
[[nodiscard]] std::string closest_match(std::string_view input,
                                        const std::vector<std::string_view>& candidates);

}  // namespace sluice
