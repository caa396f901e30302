# One warning policy for every target of ours: optguard_warnings(target).
function(optguard_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast
                                           -Wcast-align -Woverloaded-virtual -Wnull-dereference)
  if(OPTGUARD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's optimiser reports false positives inside libstdc++ itself at -O2/-O3
      # (-Wrestrict in std::string, GCC bug 105329; -Wmaybe-uninitialized in std::regex's
      # std::function state, GCC bug 105562; -Wnull-dereference inside <streambuf> at -O3),
      # so release/asan builds broke where debug
      # builds passed. They stay visible as warnings; every other warning is an error.
      target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=maybe-uninitialized
                                               -Wno-error=null-dereference)
    endif()
  endif()
endfunction()
