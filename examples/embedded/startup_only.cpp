// The C runtime alone, built with the firmware's flags: the firmware's size is measured against it.
int main() {
  for (;;) {
  }
}
