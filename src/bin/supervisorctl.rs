fn main() {
    std::process::exit(rsupervisor::ctl::main());
}
