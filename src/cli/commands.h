// stoactl's commands; each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace stoa::cli {

using Args = std::vector<std::string>;

int check_config(const Args& args);
int migrate(const Args& args);
int create_admin(const Args& args);
int verify_email(const Args& args);
int unlock(const Args& args);
int cleanup(const Args& args);
int mail(const Args& args);
int storage(const Args& args);

}  // namespace stoa::cli
