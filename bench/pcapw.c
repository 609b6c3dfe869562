/* placeholder until the writer lands */
#include "bench/pcapw.h"
