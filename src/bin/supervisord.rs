fn main() {
    std::process::exit(rsupervisor::daemon::main());
}
