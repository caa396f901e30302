# cmake -DINPUT=list.txt -DOUTPUT=out.cpp -DFUNCTION=name -DHEADER=path.hpp -P embed_list.cmake
# Writes a .cpp defining `std::string_view optguard::filters::FUNCTION()` that returns the
# file's bytes exactly: every byte is a \xHH escape (any content and encoding survives),
# one string literal per line of the list, concatenated by the compiler.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
string(REPLACE "\\x0a" "\\x0a\"\n    \"" escaped "${escaped}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_list.cmake: do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace optguard::filters {\n\n"
  "namespace {\n"
  "constexpr char kText[] =\n    \"${escaped}\";\n"
  "}  // namespace\n\n"
  "std::string_view ${FUNCTION}() { return {kText, sizeof kText - 1}; }\n\n"
  "}  // namespace optguard::filters\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
