#include "app/services.hpp"
