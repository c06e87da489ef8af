#!/bin/sh
# Install Quire for this user, no root needed: the app folder goes to ~/.local/share/quire, a menu
# entry to ~/.local/share/applications, the icon to the hicolor theme, a `quire` command to ~/.local/bin.
#   ./install.sh              install (or upgrade) from the folder this script is in
#   ./install.sh --uninstall  remove the app; your library and settings (the Quire data folder) stay
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir=$data_home/quire
apps=$data_home/applications
icons=$data_home/icons/hicolor
bin_dir=$HOME/.local/bin

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$app_dir"
  rm -f "$apps/quire.desktop" "$icons/scalable/apps/quire.svg" "$icons/256x256/apps/quire.png"
  [ -L "$bin_dir/quire" ] && rm -f "$bin_dir/quire"
  refresh_menus
  echo "Quire removed. Your library and settings are kept in ${XDG_DATA_HOME:-$HOME/.local/share}/Quire."
  exit 0
fi

[ -x "$here/quire/quire" ] || { echo "install.sh: $here/quire/quire not found (unpack the whole tarball)" >&2; exit 1; }

# Copy beside the old install, then swap, so a failed copy never leaves a half-installed app.
mkdir -p "$data_home"
rm -rf "$app_dir.new"
cp -R "$here/quire" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"

mkdir -p "$apps" "$icons/scalable/apps" "$icons/256x256/apps" "$bin_dir"
cp "$here/quire.svg" "$icons/scalable/apps/quire.svg"
[ -f "$here/quire-256.png" ] && cp "$here/quire-256.png" "$icons/256x256/apps/quire.png"
sed "s|@EXEC@|$app_dir/quire|g" "$here/quire.desktop" > "$apps/quire.desktop.tmp"
chmod 644 "$apps/quire.desktop.tmp"
mv "$apps/quire.desktop.tmp" "$apps/quire.desktop"
ln -sfn "$app_dir/quire" "$bin_dir/quire"
refresh_menus

echo "Quire installed in $app_dir"
echo "Start it from your applications menu, or run: $bin_dir/quire"
case ":$PATH:" in *":$bin_dir:"*) ;; *) echo "(add $bin_dir to PATH to type just \`quire\`)";; esac
