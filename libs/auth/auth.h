// Authentication and authorization: include this for the whole of libs/auth.
#pragma once

#include "libs/auth/principal.h"            // IWYU pragma: export
#include "libs/auth/token_authenticator.h"  // IWYU pragma: export
