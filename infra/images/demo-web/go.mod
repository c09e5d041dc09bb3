// demo-web: the small web server of the gardener-ts demo-web image (no dependencies).
module gardener-ts/images/demo-web

go 1.26
