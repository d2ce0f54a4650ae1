// GNU readline for the REPL's line editing. readline.h expects stdio.h (FILE) to be included first.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
