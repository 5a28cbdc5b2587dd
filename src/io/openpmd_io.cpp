#include "fluxrope/io/openpmd_io.hpp"

namespace fluxrope {

void write_nodes(H5File& f, const std::vector<H5Node>& nodes) {
  for (const H5Node& n : nodes) {
    if (n.dataset)
      f.write_plain(n.path, n.data, n.shape);
    else
      f.group(n.path);
    for (const H5Attribute& a : n.attrs) {
      switch (a.kind) {
        case H5Attribute::Kind::String:
          f.attr_fixed(n.path, a.name, a.text);
          break;
        case H5Attribute::Kind::Double:
          f.attr(n.path, a.name, a.number);
          break;
        case H5Attribute::Kind::Doubles:
          f.attr(n.path, a.name, a.numbers);
          break;
        case H5Attribute::Kind::UInt32:
          f.attr_u32(n.path, a.name, a.u32);
          break;
        case H5Attribute::Kind::UInt64s:
          f.attr(n.path, a.name, a.u64s);
          break;
        case H5Attribute::Kind::Strings:
          f.attr_fixed(n.path, a.name, a.texts);
          break;
      }
    }
  }
}

}  // namespace fluxrope
