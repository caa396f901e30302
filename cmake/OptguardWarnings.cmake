# One warning policy for every target of ours: optguard_warnings(target).
function(optguard_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast
                                           -Wcast-align -Woverloaded-virtual -Wnull-dereference)
  if(OPTGUARD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
