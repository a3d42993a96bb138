// headroom CLI entry point (placeholder until the engine lands).
#include <cstdio>
int main() { std::puts("headroom: not built yet"); return 0; }
